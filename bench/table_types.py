#!/usr/bin/env python
"""Table-type accuracy and arithmetic checks, measured on a scorer-format corpus.

* ``--truth CORPUS``: feeds every ground-truth table through the recognisers and the check stage exactly as the
  pipeline does (truth text, confidence 1.0) and reports type accuracy against ``bench/corpus_types.json`` and
  every check that does not pass or round — on truth-perfect input those are printed errors or rule gaps.
* ``--pred DIR``: the types the pipeline wrote in ``DIR/<doc id>.json`` (document.json files), matched to the
  truth tables by page (and the table's order on the page), scored against the same labels.

Usage (repository root)::

    python bench/table_types.py --truth ../shared/corpus
    python bench/table_types.py --truth ../shared/corpus --pred /tmp/run/pred --json /tmp/types.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import PipelineConfig  # noqa: E402
from pipeline.document.analysis import analyse  # noqa: E402
from pipeline.document.recognise import recognise  # noqa: E402
from pipeline.model import BBox, Cell, Table  # noqa: E402
from pipeline.plugin_manager import PluginManager  # noqa: E402

LABELS = ROOT / "bench" / "corpus_types.json"


def table_from_truth(d: dict[str, Any]) -> Table:
    box = BBox(0, 0, 1, 1)
    cells = tuple(Cell(row=c["row"], col=c["col"], rowspan=c.get("rowspan", 1), colspan=c.get("colspan", 1),
                       text=c["text"], confidence=1.0, bbox=box) for c in d["cells"])
    return Table(id=d["id"], page=d["page"], bbox=box, n_rows=d["n_rows"], n_cols=d["n_cols"], cells=cells,
                 title=d.get("title", ""), title_confidence=1.0, continued=bool(d.get("continued")))


def truth_run(corpus: Path, labels: dict[str, str], pm: PluginManager) -> dict[str, Any]:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    recognizers = pm.recognizers()
    config = PipelineConfig()
    right = total = 0
    wrong: list[str] = []
    checks: Counter[str] = Counter()
    not_passing: list[dict[str, Any]] = []
    for doc in manifest["documents"]:
        truth = json.loads((corpus / doc["id"] / doc["truth"]).read_text(encoding="utf-8"))
        tables = recognise([table_from_truth(t) for t in truth["tables"]], recognizers)
        for t in tables:
            key = f"{doc['id']}/{t.id}"
            if key in labels:
                total += 1
                if labels[key] == t.type:
                    right += 1
                else:
                    wrong.append(f"{key}: {t.type} (label {labels[key]})")
        result = analyse(doc["id"], tables, recognizers, pm, config, fusion=False)
        for c in result.checks:
            checks[c.status] += 1
            if c.status == "fail":
                not_passing.append({"document": doc["id"], **c.to_json()})
    return {"type_accuracy": right / total if total else None, "tables": total, "wrong_types": wrong,
            "checks": dict(checks), "failing_checks": not_passing}


def pred_run(corpus: Path, pred: Path, labels: dict[str, str]) -> dict[str, Any]:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    right = total = 0
    wrong: list[str] = []
    for doc in manifest["documents"]:
        truth = json.loads((corpus / doc["id"] / doc["truth"]).read_text(encoding="utf-8"))
        path = pred / f"{doc['id']}.json"
        predicted = json.loads(path.read_text(encoding="utf-8"))["tables"] if path.exists() else []
        by_page: dict[int, list[dict[str, Any]]] = {}
        for t in predicted:
            by_page.setdefault(t["page"], []).append(t)
        seen: Counter[int] = Counter()
        for t in truth["tables"]:
            key = f"{doc['id']}/{t['id']}"
            if key not in labels:
                continue
            total += 1
            i = seen[t["page"]]
            seen[t["page"]] += 1
            cands = by_page.get(t["page"], [])
            got = cands[i]["type"] if i < len(cands) else "(missed)"
            if got == labels[key]:
                right += 1
            else:
                wrong.append(f"{key}: {got} (label {labels[key]})")
    return {"type_accuracy": right / total if total else None, "tables": total, "wrong_types": wrong}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", required=True, type=Path, help="corpus folder (manifest.json + truth)")
    ap.add_argument("--pred", type=Path, help="folder of <doc id>.json predictions")
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    labels = json.loads(args.labels.read_text(encoding="utf-8"))["labels"]
    pm = PluginManager()
    out: dict[str, Any] = {"truth": truth_run(args.truth, labels, pm)}
    t = out["truth"]
    print(f"truth input: type accuracy {100 * t['type_accuracy']:.1f}% of {t['tables']} tables; checks {t['checks']}")
    for w in t["wrong_types"]:
        print("  wrong type:", w)
    for c in t["failing_checks"]:
        print(f"  fail: {c['document']} {c['rule']} expected {c['expected']} found {c['found']} "
              f"diff {c['difference']} cells {[(x['table'], x['row'], x['col']) for x in c['cells']]}")
    if args.pred:
        out["pred"] = pred_run(args.truth, args.pred, labels)
        p = out["pred"]
        print(f"pipeline output: type accuracy {100 * p['type_accuracy']:.1f}% of {p['tables']} tables")
        for w in p["wrong_types"]:
            print("  wrong type:", w)
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
