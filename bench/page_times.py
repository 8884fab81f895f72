"""Slowest pages of a run against its median table page (issue 15's bound: every page ≤ 3× that median).

usage: python bench/page_times.py DOCUMENT_JSON_OR_RUN_DIR ... [--before DIR ...]

Reads each document.json's per-page ``seconds``; the run's median is over the pages with a table of all the
given documents together, the document's over its own table pages (on a shared machine the load changes
between documents, less within one).  Prints, per document, its slowest page, that page's seconds and its
ratio to both medians; then the run's slowest page.  With ``--before``, the same for a
second run (document.json files paired by document name), side by side.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def documents(paths: list[Path]) -> dict[str, list[dict]]:
    """Document name -> its pages (from document.json files, or every document.json under a folder)."""
    out: dict[str, list[dict]] = {}
    for p in paths:
        files = [p] if p.is_file() else sorted(p.rglob("document.json"))
        for f in files:
            doc = json.loads(f.read_text(encoding="utf-8"))
            name = f.parent.parent.name if f.parent.name == "scan" else f.parent.name
            out[name] = doc.get("pages", [])
    return out


def slowest(docs: dict[str, list[dict]]) -> tuple[float, dict[str, tuple[int, float, float]]]:
    """The run's median table-page seconds, and per document (page number, seconds) of its slowest page and
    the document's own median table page (pages of one document run at about the same machine load)."""
    table_pages = [p["seconds"] for pages in docs.values() for p in pages if p.get("tables") and "seconds" in p]
    median = statistics.median(table_pages) if table_pages else float("nan")
    worst = {}
    for name, pages in docs.items():
        timed = [p for p in pages if "seconds" in p]
        if timed:
            p = max(timed, key=lambda p: p["seconds"])
            own = [q["seconds"] for q in timed if q.get("tables")]
            worst[name] = (p["page"], p["seconds"], statistics.median(own) if own else median)
    return median, worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("after", nargs="+", type=Path)
    ap.add_argument("--before", nargs="*", type=Path, default=[])
    a = ap.parse_args(argv)
    runs = [("after", documents(a.after))] + ([("before", documents(a.before))] if a.before else [])
    stats = [(label, *slowest(docs)) for label, docs in runs]
    names = sorted(set().union(*(w.keys() for _, _, w in stats)))
    print(f"{'document':40}" + "".join(f" {label + ' slowest page: s, ×run, ×doc median':>40}"
                                       for label, _, _ in stats))
    for n in names:
        row = f"{n:40}"
        for _label, median, worst in stats:
            if n in worst:
                page, sec, own = worst[n]
                row += f" {f'p{page:03d} {sec:7.1f} s {sec / median:5.2f}× {sec / own:5.2f}×':>40}"
            else:
                row += f" {'-':>40}"
        print(row)
    for label, median, worst in stats:
        name, (page, sec, _own) = max(worst.items(), key=lambda kv: kv[1][1])
        print(f"{label}: median table page {median:.1f} s; slowest {name} p{page:03d} {sec:.1f} s = "
              f"{sec / median:.2f}× median")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
