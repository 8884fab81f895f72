"""One batch worker process's side: its setup (memory cap, threads, plugins) and one document processed into a
result dict that never raises."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.batch.plan import Job
from pipeline.config import PipelineConfig
from pipeline.errors import ConfigError

EXTRA_PLUGINS_ENV = "FISCALSCAN_EXTRA_PLUGINS"


def extra_plugins_from_env() -> list[object]:
    """Plugin modules named (comma-separated dotted paths) in ``FISCALSCAN_EXTRA_PLUGINS``."""
    names = [n.strip() for n in os.environ.get(EXTRA_PLUGINS_ENV, "").split(",") if n.strip()]
    try:
        return [importlib.import_module(n) for n in names]
    except ImportError as exc:
        raise ConfigError(f"{EXTRA_PLUGINS_ENV}: cannot import {exc.name}: {exc}") from None


def make_plugin_manager() -> Any:
    from pipeline.plugin_manager import PluginManager

    return PluginManager(extra=extra_plugins_from_env())


def plugin_versions() -> dict[str, str | None]:
    return {p["name"]: p["version"] for p in make_plugin_manager().list_plugins()}


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerSettings:
    out_root: str
    config: PipelineConfig
    max_memory_mb: int | None = None


def init_worker(settings: WorkerSettings) -> Any:
    """Per-process setup: memory cap, thread counts, plugins (OCR models load on first use, then stay)."""
    if settings.max_memory_mb:
        import resource

        limit = settings.max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    threads = str(max(settings.config.ocr_threads, 1))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = threads
    with contextlib.suppress(Exception):
        import cv2

        cv2.setNumThreads(int(threads))
    return make_plugin_manager()


def run_one(pm: Any, settings: WorkerSettings, job: Job,
             on_page: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    from pipeline.runner import process_document

    started = time.time()
    try:
        s = process_document(job.path, settings.out_root, settings.config, pm=pm, name=job.name,
                             on_page=on_page)
        result = dataclasses.asdict(s)
    except MemoryError:
        result = {"status": "failed", "error": f"{job.path}: out of memory (--max-memory)", "pages": 0}
    except Exception as exc:  # process_document should not raise; never let one document kill a worker
        from pipeline.runner import one_line

        result = {"status": "failed", "error": f"{job.path}: {type(exc).__name__}: {one_line(exc)}",
                  "pages": 0}
    result["started"] = started
    result["finished"] = time.time()
    result["pid"] = os.getpid()
    result["worker_peak_rss_mb"] = peak_rss_mb()
    return result


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB (VmHWM: since exec, not inherited from the parent)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def die_with_parent() -> None:
    """Linux: have the kernel SIGKILL this worker when the batch driver dies (kill -9 included), so no
    orphan keeps writing into the output folder."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        parent = multiprocessing.parent_process()
        if parent is not None and os.getppid() != parent.pid:  # the driver died before prctl
            os._exit(1)


def describe_exit(code: int | None) -> str:
    if code is None:
        return "exit code unknown"
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def failure(job: Job, reason: str) -> dict[str, Any]:
    now = time.time()
    return {"status": "failed", "error": f"{job.rel}: {reason}", "pages": 0, "started": now, "finished": now}
