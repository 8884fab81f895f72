#!/usr/bin/env python
"""Generalisation probe: disclosures laid out as other provinces and years print them, end to end.

Generates the variant corpus of ``samples/make_variants.py`` (every standard 部门预算/部门决算 family and untyped
tables, under every caption layout, at 150/200/300 dpi, sans and serif), runs ``fiscalscan run`` on each
document, scores it with ``fiscalscan eval``'s code (titles, content, records, review) and against the expected
table types, and prints one line per variant and totals per layout / dpi / typeface::

    python bench/generalise.py --out /tmp/gen              # generate, run, score
    python bench/generalise.py --out /tmp/gen --score-only # score the predictions already in /tmp/gen/pred
    python bench/generalise.py --out /tmp/gen --truth-only # no OCR: truth cells + printed title through the
                                                           # recognisers (type rules alone)

Columns: title (printed title, code split off, 1/0), code (table_code as printed), unit, type (expected table
type), content (cell accuracy), recR / confP (record recall, confident-record precision), caught (share of wrong
cells flagged at the document's review threshold), flag (share of cells flagged).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline.textnorm import normalize  # noqa: E402

COLUMNS = ("title", "code", "unit", "type", "content", "recR", "confP", "caught", "flag")


def run_documents(corpus: Path, out: Path, code: Path) -> None:
    """``fiscalscan run`` of each document with the pipeline of the checkout ``code`` (a "before" run uses
    another worktree); documents already predicted in ``OUT/pred`` are skipped (resumable)."""
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    (out / "pred").mkdir(parents=True, exist_ok=True)
    for doc in manifest["documents"]:
        scan = corpus / doc["id"] / doc["scan"]
        if (out / "pred" / f"{doc['id']}.json").exists():
            continue
        run = out / "run" / doc["id"]
        proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(scan), "--out", str(run), "-q"],
                              cwd=code, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(code)})
        if proc.returncode:
            print(f"warning: {doc['id']}: {proc.stderr.strip()[-300:]}", file=sys.stderr)
        result = run / Path(doc["scan"]).stem / "document.json"
        if result.exists():
            (out / "pred" / f"{doc['id']}.json").write_bytes(result.read_bytes())


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def doc_row(doc: dict[str, Any], pred: dict[str, Any] | None, labels: dict[str, str], ev: dict[str, Any]
            ) -> dict[str, float | None]:
    """Per-variant numbers of one one-table document."""
    truth_title = doc["title"]
    expected = labels[f"{doc['id']}/p001-t1"]
    tables = (pred or {}).get("tables") or []
    # the predicted table with most cells stands for the document's one table
    t = max(tables, key=lambda x: len(x.get("cells") or ()), default={})
    var = doc["variant"]
    rev = (ev.get("review") or {}).get("at_threshold") or {}
    rec = ev.get("records") or {}
    return {
        "title": float(normalize(t.get("title") or "") == normalize(truth_title)) if t else 0.0,
        "code": float((t.get("table_code") or "") == var["code"]) if t else 0.0,
        "unit": float((t.get("unit") or "") == var["unit"]) if t else 0.0,
        "type": float(t.get("type") == expected) if t else 0.0,
        "content": ev.get("content_acc"),
        "recR": rec.get("recall"),
        "confP": rec.get("confident_precision"),
        "caught": rev.get("error_recall"),
        "flag": rev.get("flagged_share"),
        "_got": f"{t.get('type')} «{t.get('title')}» {t.get('table_code') or ''} {t.get('unit') or ''}",
    }


def fmt(v: Any) -> str:
    return "   - " if v is None else f"{v:5.2f}" if isinstance(v, float) else str(v)


def print_table(rows: dict[str, dict[str, Any]], manifest: dict[str, Any], verbose: bool) -> dict[str, Any]:
    width = max(len(k) for k in rows)
    print(f"{'variant':<{width}}  " + "  ".join(f"{c:>5}" for c in COLUMNS))
    for doc_id, r in rows.items():
        line = f"{doc_id:<{width}}  " + "  ".join(fmt(r[c]) for c in COLUMNS)
        bad = any(r[c] == 0.0 for c in ("title", "code", "unit", "type"))
        print(line + (f"   got {r['_got']}" if verbose or bad else ""))
    groups: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for doc in manifest["documents"]:
        var = doc["variant"]
        for axis in ("layout", "dpi", "font", "unit"):
            groups[axis][str(var[axis])].append(rows[doc["id"]])
        groups["kind"][doc["kind"]].append(rows[doc["id"]])
    summary: dict[str, Any] = {}
    print()
    for axis, by in groups.items():
        for value, rs in sorted(by.items()):
            means = {c: mean([r[c] for r in rs]) for c in COLUMNS}
            summary[f"{axis}={value}"] = means
            print(f"{axis + '=' + value:<{width}}  " + "  ".join(fmt(means[c]) for c in COLUMNS) + f"   n={len(rs)}")
    overall = {c: mean([r[c] for r in rows.values()]) for c in COLUMNS}
    summary["ALL"] = overall
    print(f"{'ALL':<{width}}  " + "  ".join(fmt(overall[c]) for c in COLUMNS) + f"   n={len(rows)}")
    return summary


def mean(values: list[Any]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def score(corpus: Path, out: Path, verbose: bool) -> dict[str, Any]:
    from pipeline.evaluate import evaluate, result_json

    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    res = result_json(evaluate(corpus, out / "pred"))
    rows = {}
    for doc in manifest["documents"]:
        path = out / "pred" / f"{doc['id']}.json"
        pred = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        rows[doc["id"]] = doc_row(doc, pred, labels, res["documents"][doc["id"]])
    return print_table(rows, manifest, verbose)


def truth_only(corpus: Path) -> None:
    """Type rules alone: each truth table (printed title, perfect cells) through the recognisers."""
    from table_types import table_from_truth

    from pipeline.plugin_manager import PluginManager
    from pipeline.runner import recognise

    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    recognizers = PluginManager().recognizers()
    right = 0
    for doc in manifest["documents"]:
        truth = json.loads((corpus / doc["id"] / "truth.json").read_text(encoding="utf-8"))
        (t,) = recognise([table_from_truth(x) for x in truth["tables"]], recognizers)
        want = labels[f"{doc['id']}/{t.id}"]
        right += t.type == want
        records = len(t.records) if hasattr(t, "records") else ""
        print(f"{'ok ' if t.type == want else 'BAD'} {doc['id']:<36} {t.type:<44} want {want} {records}")
    print(f"type accuracy on truth cells: {right}/{len(manifest['documents'])}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="work folder (corpus/, run/, pred/, summary.json)")
    ap.add_argument("--score-only", action="store_true", help="score the predictions already in OUT/pred")
    ap.add_argument("--truth-only", action="store_true", help="type the truth tables only (no OCR)")
    ap.add_argument("--no-serif", action="store_true", help="sans typeface only")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose pipeline runs (default: this one)")
    ap.add_argument("--corpus", type=Path, help="variant corpus to use (default: OUT/corpus, generated)")
    ap.add_argument("-v", "--verbose", action="store_true", help="show what was read for every variant")
    a = ap.parse_args()
    corpus = a.corpus or a.out / "corpus"
    if not (corpus / "manifest.json").exists():
        import make_variants

        make_variants.generate(corpus, serif=not a.no_serif)
    if a.truth_only:
        truth_only(corpus)
        return 0
    if not a.score_only:
        run_documents(corpus, a.out, a.code.resolve())
    summary = score(corpus, a.out, a.verbose)
    (a.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
