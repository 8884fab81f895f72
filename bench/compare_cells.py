#!/usr/bin/env python
"""Compare the cells of two sets of document.json outputs (``bench/corpus.sh`` ``OUT/pred/<id>.json``).

A speed change must not change what is read: this lists, per document, the tables whose ids or shapes differ,
every cell whose text differs, and how far the confidences moved (max |Δ| and the number of cells whose
review flag flipped).  Exit status 1 when any text, table or review flag differs.

    python bench/compare_cells.py /work/baseline/pred OUT/pred
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def cells_by_key(doc: dict[str, Any]) -> dict[tuple[str, int, int], dict[str, Any]]:
    return {(t["id"], c["row"], c["col"]): c for t in doc["tables"] for c in t["cells"]}


def compare(a: dict[str, Any], b: dict[str, Any]) -> tuple[list[str], float, int, int]:
    """Differences (lines), max confidence change, cells compared, review flags flipped."""
    diffs: list[str] = []
    shapes_a = {t["id"]: (t["n_rows"], t["n_cols"], t.get("title", "")) for t in a["tables"]}
    shapes_b = {t["id"]: (t["n_rows"], t["n_cols"], t.get("title", "")) for t in b["tables"]}
    for tid in sorted(set(shapes_a) | set(shapes_b)):
        if shapes_a.get(tid) != shapes_b.get(tid):
            diffs.append(f"table {tid}: {shapes_a.get(tid)} -> {shapes_b.get(tid)}")
    ca, cb = cells_by_key(a), cells_by_key(b)
    max_delta, flips = 0.0, 0
    for key in sorted(set(ca) & set(cb)):
        x, y = ca[key], cb[key]
        if x["text"] != y["text"]:
            diffs.append(f"cell {key}: {x['text']!r} -> {y['text']!r}")
        max_delta = max(max_delta, abs(x["confidence"] - y["confidence"]))
        flips += x["needs_review"] != y["needs_review"]
    for p, q in zip(a["pages"], b["pages"], strict=False):
        if (p["rotation"], p["skew"]) != (q["rotation"], q["skew"]):
            diffs.append(f"page {p['page']}: rotation/skew {p['rotation']}/{p['skew']} -> "
                         f"{q['rotation']}/{q['skew']}")
    return diffs, max_delta, len(set(ca) & set(cb)), flips


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("before", type=Path, help="folder of <id>.json (before)")
    ap.add_argument("after", type=Path, help="folder of <id>.json (after)")
    args = ap.parse_args(argv)
    bad = 0
    for path in sorted(args.after.glob("*.json")):
        ref = args.before / path.name
        if not ref.is_file():
            print(f"{path.stem}: no 'before' document")
            continue
        diffs, delta, n, flips = compare(json.loads(ref.read_text(encoding="utf-8")),
                                         json.loads(path.read_text(encoding="utf-8")))
        bad += bool(diffs) or flips > 0
        print(f"{path.stem}: {n} cells, {len(diffs)} differences, max |Δconfidence| {delta:.4f}, "
              f"{flips} review flags flipped")
        for line in diffs[:40]:
            print("   ", line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
