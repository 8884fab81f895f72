"""The summary of a manifest (``batch --report`` and the end of every batch)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pipeline.batch.plan import last_records


def report(records: Sequence[dict[str, Any]], only: set[str] | None = None) -> tuple[str, int]:
    """Summary text of a manifest (last line per input; only the inputs in ``only`` when given) and the
    exit code (1 if any input failed)."""
    if only is not None:
        records = [r for r in records if r.get("input") in only]
    last = last_records(records)
    counts = Counter(r.get("status") for r in last.values())
    done = [r for r in last.values() if r.get("status") == "done"]
    pages = sum(int(r.get("pages") or 0) for r in done)
    secs = sum(float(r.get("seconds") or 0) for r in done)
    review = sum(int(r.get("cells_needing_review") or 0) for r in last.values()
                 if r.get("status") in ("done", "skipped"))
    lines = [f"{len(last)} inputs: {counts.get('done', 0)} done, {counts.get('failed', 0)} failed, "
             f"{counts.get('skipped', 0)} skipped (done earlier)", totals_line(last.values())]
    # throughput of the latest run that processed something: its pages over its wall-clock time
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if r.get("status") == "done" and r.get("started") and r.get("finished"):
            runs[r.get("run", "")].append(r)
    if runs:
        latest = max(runs.values(), key=lambda rs: max(r["finished"] for r in rs))
        wall = max(r["finished"] for r in latest) - min(r["started"] for r in latest)
        run_pages = sum(int(r.get("pages") or 0) for r in latest)
        if wall > 0:
            lines.append(f"latest run: {run_pages} pages in {wall:.1f} s = {run_pages / wall:.2f} pages/s "
                         f"({60 * run_pages / wall:.1f} pages/min)")
    if secs > 0:
        lines.append(f"per worker: {pages} pages in {secs:.1f} s of processing = {pages / secs:.2f} pages/s")
    lines.append(f"cells needing review: {review}")
    checked = {rel: int(r.get("checks_failed") or 0) for rel, r in last.items()
               if r.get("status") in ("done", "skipped") and r.get("checks_failed")}
    if checked:
        worst = sorted(checked.items(), key=lambda kv: (-kv[1], kv[0]))
        lines.append(f"failed arithmetic checks: {sum(checked.values())} in {len(checked)} document(s): "
                     + ", ".join(f"{rel} ({n})" for rel, n in worst[:5]) + (" ..." if len(worst) > 5 else ""))
    failures: dict[str, list[str]] = defaultdict(list)
    for rel, r in last.items():
        if r.get("status") == "failed":
            failures[_reason(rel, r.get("error") or "unknown error")].append(rel)
    if failures:
        lines.append("failures by reason:")
        for reason, rels in sorted(failures.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            lines.append(f"  {len(rels)} x {reason}: {', '.join(rels[:5])}{' ...' if len(rels) > 5 else ''}")
    return "\n".join(lines), 1 if counts.get("failed") else 0


def totals_line(last: Iterable[dict[str, Any]]) -> str:
    """Totals over every input with an output, whichever run made it (a skipped input counts with the
    numbers of the run that did it)."""
    have = [r for r in last if r.get("status") in ("done", "skipped")]

    def total(key: str) -> int:
        return sum(int(r.get(key) or 0) for r in have)

    return (f"all runs: {len(have)} document(s) with output, {total('pages')} pages, {total('tables')} tables, "
            f"{total('cells_needing_review')} cells to review, {total('checks_failed')} failed checks")


def _reason(rel: str, error: str) -> str:
    """The error without the file (and page) it names, so equal failures group together."""
    for name in sorted({rel, Path(rel).name}, key=len, reverse=True):
        m = re.search(re.escape(name) + r"(?: page \d+)?: ", error)
        if m:
            error = error[m.end():]
            break
    return error if len(error) <= 200 else error[:199] + "…"
