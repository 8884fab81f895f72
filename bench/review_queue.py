"""The first items a reviewer sees on a pipeline output folder: the cell-only queue (``/api/queue``, failed
checks first, then confidence) beside the harm-ordered worklist (``/api/worklist``), with each cell's ground
truth when the corpus holds the document.  Never writes into OUT (give it a copy: the review store is created
there).

    python bench/review_queue.py OUT [--doc NAME] [-n 10] [--truth ../shared/corpus/<id>/truth.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--doc")
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--truth", type=Path)
    args = ap.parse_args()
    from fastapi.testclient import TestClient

    from pipeline.review.server import ReviewSettings, create_app

    truth: dict[tuple[int, int, int], str] = {}
    truth_shape: dict[int, tuple[int, int]] = {}
    if args.truth:
        for t in json.loads(args.truth.read_text(encoding="utf-8"))["tables"]:
            truth.update({(t["page"], c["row"], c["col"]): c["text"] for c in t["cells"]})
            truth_shape[t["page"]] = (t["n_rows"], t["n_cols"])
    c = TestClient(create_app(ReviewSettings(args.out)))
    shapes = {(d["name"], t["id"]): (t["n_rows"], t["n_cols"]) for d in c.get("/api/documents").json()
              for t in c.get(f"/api/documents/{d['name']}/view").json()["tables"]}

    def at(it: dict) -> str:
        """The truth at the item's grid position, or why there is none to compare with."""
        if not truth:
            return ""
        want, have = truth_shape.get(it["page"]), shapes.get((it["document"], it["table"]))
        if want != have:
            return f" (grid {have} ≠ truth's {want}: compare by content)"
        return f" truth {truth.get((it['page'], it['row'], it['col']))!r}"

    query = f"?document={args.doc}" if args.doc else ""
    print("cell-only queue (/api/queue):")
    for i, it in enumerate(c.get(f"/api/queue{query}").json()[: args.n], 1):
        print(f"{i:3d}. {it['table']} r{it['row']} c{it['col']} {it['text']!r} conf {it['confidence']:.2f}"
              f"{at(it)} · {'; '.join(it['failed_checks'])[:90]}")
    print("harm-ordered worklist (/api/worklist):")
    sep = "&" if query else "?"
    for i, it in enumerate(c.get(f"/api/worklist{query}{sep}limit={args.n}").json()["items"], 1):
        if it["kind"] == "structure":
            print(f"{i:3d}. GRID {it['table']} {it['op']} {it['args']} · {it['reason']} · failing: "
                  f"{', '.join(it['failing_checks']) or 'none'}")
        else:
            print(f"{i:3d}. {it['table']} r{it['row']} c{it['col']} {it['text']!r} tier {it['tier']}{at(it)} · "
                  f"{'; '.join(it['reasons'])[:90]}")


if __name__ == "__main__":
    main()
