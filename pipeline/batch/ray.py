"""Ray scale-out: documents distributed over Ray actors (models load once per actor); the driver still
writes the manifest."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from typing import Any

from pipeline.batch.plan import Job
from pipeline.batch.pool import ResultCallback
from pipeline.batch.worker import EXTRA_PLUGINS_ENV, WorkerSettings, failure, init_worker, run_one


def run_ray(jobs: Sequence[Job], settings: WorkerSettings, workers: int, timeout: float | None,
            address: str, on_result: ResultCallback) -> None:
    """Process ``jobs`` on Ray actors (one per worker, models loaded once each); the out folder must be
    reachable at the same path from every node (shared file system)."""
    from pipeline.plugin_manager import require

    ray = require("ray", "ray")
    if not ray.is_initialized():
        local = address == "auto" and not os.environ.get("RAY_ADDRESS")
        # workers get the extra plugins; PYTHONPATH only for a local cluster (remote nodes have own paths)
        passed = (EXTRA_PLUGINS_ENV, "PYTHONPATH") if local else (EXTRA_PLUGINS_ENV,)
        ray.init(address=None if local else address, ignore_reinit_error=True, log_to_driver=False,
                 runtime_env={"env_vars": {k: v for k, v in os.environ.items() if k in passed}})

    @ray.remote(num_cpus=max(1, settings.config.ocr_threads), max_restarts=0)
    class DocWorker:
        def __init__(self, settings: WorkerSettings) -> None:
            self.settings = settings
            self.pm = init_worker(settings)

        def process(self, job: Job) -> dict[str, Any]:
            return run_one(self.pm, self.settings, job)

    pending = list(reversed(jobs))
    actors = [DocWorker.remote(settings) for _ in range(min(workers, len(jobs)))]
    inflight: dict[Any, tuple[int, Job, float]] = {}

    def submit(i: int) -> None:
        if pending:
            job = pending.pop()
            inflight[actors[i].process.remote(job)] = (i, job, time.monotonic())

    try:
        for i in range(len(actors)):
            submit(i)
        while inflight:
            done, _ = ray.wait(list(inflight), num_returns=1, timeout=1.0)
            for ref in done:
                i, job, _t = inflight.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as exc:  # RayActorError (crash), RayTaskError...
                    from pipeline.runner import one_line

                    died = type(exc).__name__ in ("ActorDiedError", "RayActorError", "WorkerCrashedError")
                    result = failure(job, "worker crashed (Ray actor died)" if died else
                                      f"ray task failed: {type(exc).__name__}: {one_line(exc)[:300]}")
                    ray.kill(actors[i], no_restart=True)
                    actors[i] = DocWorker.remote(settings)
                on_result(job, result)
                submit(i)
            if timeout:
                now = time.monotonic()
                for ref, (i, job, t) in list(inflight.items()):
                    if now - t > timeout:
                        inflight.pop(ref)
                        ray.kill(actors[i], no_restart=True)
                        on_result(job, failure(job, f"timed out after {timeout:g} s"))
                        actors[i] = DocWorker.remote(settings)
                        submit(i)
    finally:
        for a in actors:
            with contextlib.suppress(Exception):
                ray.kill(a, no_restart=True)
