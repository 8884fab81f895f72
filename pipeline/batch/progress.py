"""The batch's rich progress display."""

from __future__ import annotations

from typing import Any

from pipeline.batch.plan import Job


class BatchProgress:
    """rich progress: a documents bar with ETA and a pages counter."""

    def __init__(self, n_docs: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                 console=Console(stderr=True))
        self.docs = self.progress.add_task("documents", total=n_docs)
        self.pages_task = self.progress.add_task("pages", total=None)
        self.seen: dict[str, tuple[int, int]] = {}

    def __enter__(self) -> BatchProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def _refresh_pages(self) -> None:
        done = sum(d for d, _ in self.seen.values())
        total = sum(t for _, t in self.seen.values())
        self.progress.update(self.pages_task, completed=done, total=total or None)

    def page(self, job: Job, done: int, total: int) -> None:
        self.seen[job.rel] = (done, total)
        self._refresh_pages()

    def document_done(self, job: Job, r: dict[str, Any]) -> None:
        pages = int(r.get("pages") or 0)
        self.seen[job.rel] = (pages, pages)
        self._refresh_pages()
        self.progress.advance(self.docs)
        if r.get("status") != "ok":
            self.progress.console.print(f"failed: {r.get('error')}", markup=False, highlight=False,
                                        style="red", soft_wrap=True)
