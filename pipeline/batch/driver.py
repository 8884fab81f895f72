"""The batch driver: plan under the output folder's lock, record every result in the manifest (outputs are
published before their manifest line), run the jobs on the local pool or on Ray."""

from __future__ import annotations

import contextlib
import dataclasses
import time
import uuid
from collections.abc import Callable
from typing import Any

from pipeline import __version__
from pipeline.batch.plan import DEFAULT_TIMEOUT, Job, config_hash, plan
from pipeline.batch.pool import run_local
from pipeline.batch.progress import BatchProgress
from pipeline.batch.store import BatchStore
from pipeline.batch.worker import WorkerSettings, plugin_versions
from pipeline.config import PipelineConfig


@dataclasses.dataclass
class BatchResult:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    pages: int = 0
    review_cells: int = 0
    wall_seconds: float = 0.0
    failures: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    inputs: list[str] = dataclasses.field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0



def run_batch(store: BatchStore, config: PipelineConfig, *, workers: int, resume: bool = True,
              timeout: float | None = DEFAULT_TIMEOUT, max_memory_mb: int | None = None,
              ray_address: str | None = None, progress: bool = False,
              echo: Callable[[str], None] | None = None) -> BatchResult:
    echo = echo or (lambda s: None)
    run_id = uuid.uuid4().hex[:12]
    common = {"fiscalscan_version": __version__, "plugins": plugin_versions(),
              "config_hash": config_hash(config), "run": run_id}
    result = BatchResult()
    t0 = time.time()
    with store.lock():
        for name in store.clean_staging():
            echo(f"removed staging folder left by an interrupted run: {name}")
        todo, skip, unreadable = plan(store, config, resume)
        for line in getattr(store, "not_files", []):
            echo(f"skipped: {line}")
        result.inputs = sorted([j.rel for j in todo] + [j.rel for j, _ in skip] + [r for r, _ in unreadable])

        def record(rel: str, sha: str | None, name: str | None, r: dict[str, Any], status: str) -> None:
            rec = {"input": rel, "sha256": sha, "output": name, "status": status, "error": r.get("error"),
                   "pages": r.get("pages", 0), "tables": r.get("tables", 0),
                   "cells_needing_review": r.get("review_cells", r.get("cells_needing_review", 0)),
                   "checks_failed": r.get("checks_failed", 0),
                   "page_errors": r.get("page_errors", 0), "seconds": round(float(r.get("seconds", 0.0)), 3),
                   "started": r.get("started"), "finished": r.get("finished"),
                   "worker_pid": r.get("pid"), "worker_peak_rss_mb": r.get("worker_peak_rss_mb"), **common}
            store.append_manifest(rec)
            if status == "failed":
                result.failed += 1
                result.failures.append((rel, rec["error"] or "unknown error"))
            elif status == "done":
                result.done += 1
                result.pages += rec["pages"]
                result.review_cells += rec["cells_needing_review"]
            else:
                result.skipped += 1

        for rel, reason in unreadable:
            record(rel, None, None, {"error": reason}, "failed")
        for job, prev in skip:
            now = time.time()
            record(job.rel, job.sha256, job.name, {**prev, "seconds": 0.0, "started": now, "finished": now},
                   "skipped")
        echo(f"{len(todo)} to process, {len(skip)} already done, {len(unreadable)} unreadable")

        bar = BatchProgress(len(todo)) if progress and todo else None

        def on_result(job: Job, r: dict[str, Any]) -> None:
            ok = r.get("status") == "ok" and store.output_exists(job.name)
            if r.get("status") == "ok" and not ok:
                r = {**r, "error": f"{job.rel}: output folder missing after processing"}
            record(job.rel, job.sha256, job.name, r, "done" if ok else "failed")
            if bar is not None:
                bar.document_done(job, r)
            elif not ok:
                echo(f"failed: {r.get('error')}")

        def on_page(job: Job, done: int, total: int) -> None:
            if bar is not None:
                bar.page(job, done, total)

        settings = WorkerSettings(out_root=str(store.out_root), config=config, max_memory_mb=max_memory_mb)
        with bar if bar is not None else contextlib.nullcontext():
            if todo and ray_address:
                from pipeline.batch.ray import run_ray

                run_ray(todo, settings, workers, timeout, ray_address, on_result)
            elif todo:
                run_local(todo, settings, workers, timeout, on_result, on_page)
    result.wall_seconds = time.time() - t0
    return result
