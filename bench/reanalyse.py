#!/usr/bin/env python
"""Re-run the document-level stage (types, records, checks, confidence fusion) on existing document.json files,
without OCR — to measure what the checks add on one and the same OCR run.

For each ``IN/<doc>.json`` (or ``IN/<doc>/document.json``) the tables are rebuilt from the stored cells (text,
the reading's own confidence: ``ocr_confidence`` where fusion changed it), typed and analysed again, and written
to ``OUT/<doc>.json`` in the same format; ``--no-fusion`` writes the reading's confidences unchanged.  Score both
with ``../shared/eval/score.py`` to compare.

Usage (repository root)::

    python bench/reanalyse.py /tmp/run/pred --out /tmp/fused
    python bench/reanalyse.py /tmp/run/pred --out /tmp/ocr-only --no-fusion
    python ../shared/eval/score.py --truth ../shared/corpus --pred /tmp/fused
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import PipelineConfig  # noqa: E402
from pipeline.document.analysis import analyse  # noqa: E402
from pipeline.document.codec import table_from_json, table_json  # noqa: E402
from pipeline.document.continuations import continues  # noqa: E402
from pipeline.document.recognise import recognise  # noqa: E402
from pipeline.model import Table  # noqa: E402
from pipeline.plugin_manager import PluginManager  # noqa: E402


def continuations(tables: list[Table]) -> list[Table]:
    """``continued`` decided again with the pipeline's rule (first table of a page vs the last of the page
    before)."""
    out: list[Table] = []
    last_on_page = {t.page: t for t in tables}
    seen_pages: set[int] = set()
    for t in tables:
        first = t.page not in seen_pages
        seen_pages.add(t.page)
        out.append(replace(t, continued=first and continues(t, last_on_page.get(t.page - 1))))
    return out


def reanalyse(doc: dict[str, Any], name: str, pm: PluginManager, fusion: bool) -> tuple[dict[str, Any], Counter]:
    config = PipelineConfig(review_threshold=float(doc.get("review_threshold", 0.9)))
    recognizers = pm.recognizers()
    tables = continuations([table_from_json(t, reading_confidence=True) for t in doc["tables"]])
    tables = recognise(tables, recognizers)
    analysis = analyse(name, tables, recognizers, pm, config, fusion=fusion)
    out = dict(doc)
    out["tables"] = [table_json(t, config, analysis) for t in analysis.tables]
    out["check_summary"] = analysis.summary()
    out["checks"] = [c.to_json() for c in analysis.checks]
    return out, Counter(analysis.summary())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inp", type=Path, help="folder of <doc>.json or <doc>/document.json")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--no-fusion", action="store_true", help="keep the reading's confidences")
    args = ap.parse_args(argv)
    pm = PluginManager()
    args.out.mkdir(parents=True, exist_ok=True)
    files = sorted(args.inp.glob("*.json")) or sorted(args.inp.glob("*/document.json"))
    total: Counter[str] = Counter()
    for f in files:
        name = f.stem if f.name != "document.json" else f.parent.name
        doc = json.loads(f.read_text(encoding="utf-8"))
        out, summary = reanalyse(doc, name, pm, not args.no_fusion)
        total.update(summary)
        (args.out / f"{name}.json").write_text(json.dumps(out, ensure_ascii=False) + "\n", encoding="utf-8")
        print(name, dict(summary))
    print("checks:", dict(total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
