"""``fiscalscan batch``: process a folder tree of scans in parallel worker processes, resumably.

Every input gets ``OUT_DIR/<name>/`` where ``name`` is its path below INPUT_DIR with "/" replaced by "__" and
the suffix dropped.  ``OUT_DIR/manifest.jsonl`` gets one JSON line per attempt result (appended, flushed and
fsynced); a reader takes the last line per input.  Outputs are published by an atomic rename *before* their
manifest line is written, so a batch killed at any moment never has a half-written output marked done.

Workers are plain ``multiprocessing`` processes (spawn context) driven over pipes, one document at a time: a
worker that dies (segfault, ``os._exit``, OOM kill) or runs past ``--timeout`` is replaced and its document
marked failed with the reason.  ``--ray`` distributes documents over Ray actors instead (models load once
per actor); the driver still writes the manifest.

All file I/O of the batch goes through :class:`BatchStore` (implemented by :class:`LocalStore`) so that an
object-storage backend can be added later.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import hashlib
import importlib
import json
import multiprocessing
import os
import re
import shutil
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipeline import __version__
from pipeline.cli import INPUT_SUFFIXES, check_out_dir, config_from_args
from pipeline.clihelp import OCR_ENGINE_HELP
from pipeline.config import PipelineConfig
from pipeline.errors import ConfigError, PipelineError
from pipeline.inputs import not_a_file
from pipeline.outputs import unchanged_output_fields

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

MANIFEST = "manifest.jsonl"
LOCK = ".batch.lock"
EXTRA_PLUGINS_ENV = "FISCALSCAN_EXTRA_PLUGINS"
BATCH_SUFFIXES = frozenset(INPUT_SUFFIXES - {".bmp"})  # PDF, PNG, JPEG, TIFF
DEFAULT_TIMEOUT = 1800.0


# ---------------------------------------------------------------------------------------------- storage


class BatchStore(Protocol):
    """Where a batch reads its inputs and writes its outputs and manifest."""

    #: Local folder the pipeline writes document folders into (workers need a path they can write).
    out_root: Path

    def list_inputs(self) -> list[str]:
        """Relative POSIX paths of the supported input files, sorted."""

    def local_path(self, rel: str) -> Path:
        """A local file the pipeline can open for input ``rel``."""

    def sha256(self, rel: str) -> str: ...

    def output_exists(self, name: str) -> bool:
        """Whether a published (complete) output folder ``name`` exists."""

    def read_manifest(self) -> list[dict[str, Any]]: ...

    def append_manifest(self, record: dict[str, Any]) -> None:
        """Append one record durably (flush + fsync) before returning."""

    def has_manifest(self) -> bool: ...

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Exclusive lock: one batch per output at a time."""

    def clean_staging(self) -> list[str]:
        """Remove staging folders left by a killed run; returns their names."""


class ManifestError(PipelineError):
    """The manifest could not be written (disk full, read-only...): the run cannot record its results."""


class LocalStore:
    def __init__(self, in_root: str | Path, out_root: str | Path) -> None:
        self.in_root = Path(in_root).resolve()
        self.out_root = Path(out_root).resolve()
        #: "rel: reason" of the entries with a supported suffix that are not regular files (FIFO, device,
        #: symlink loop): listed by :meth:`list_inputs`, never opened
        self.not_files: list[str] = []

    def list_inputs(self) -> list[str]:
        if not self.in_root.is_dir():
            raise ConfigError(f"{self.in_root}: not a folder")
        out: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.in_root):
            here = Path(dirpath)
            # skip hidden folders and the output folder when it lies inside the input
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and (here / d).resolve() != self.out_root)
            for f in filenames:
                if not f.startswith(".") and Path(f).suffix.lower() in BATCH_SUFFIXES:
                    rel = (here / f).relative_to(self.in_root).as_posix()
                    why = not_a_file(here / f)
                    if why is None:
                        out.append(rel)
                    else:
                        self.not_files.append(f"{rel}: {why}")
        return sorted(out)

    def local_path(self, rel: str) -> Path:
        return self.in_root / rel

    def sha256(self, rel: str) -> str:
        from pipeline.runner import sha256_of

        why = not_a_file(self.local_path(rel))  # it may have been replaced by a pipe since it was listed
        if why is not None:
            raise OSError(0, why)
        return sha256_of(str(self.local_path(rel)))

    def output_exists(self, name: str) -> bool:
        return (self.out_root / name / "document.json").is_file()

    @property
    def manifest_path(self) -> Path:
        return self.out_root / MANIFEST

    def has_manifest(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> list[dict[str, Any]]:
        if not self.has_manifest():
            return []
        return parse_manifest(self.manifest_path.read_bytes())

    def append_manifest(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            self.out_root.mkdir(parents=True, exist_ok=True)
            with open(self.manifest_path, "a", encoding="utf-8") as f:
                # a torn last line from a killed run would glue onto ours: start on a fresh line
                if f.tell() > 0 and not _ends_with_newline(self.manifest_path):
                    f.write("\n")
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise ManifestError(f"{self.manifest_path}: cannot record {record.get('input')} "
                                f"({record.get('status')}): {exc.strerror or exc}; batch stopped, inputs not "
                                "recorded as done are redone by the next run") from None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        self.out_root.mkdir(parents=True, exist_ok=True)
        with open(self.out_root / LOCK, "w") as f:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigError(f"{self.out_root}: another fiscalscan batch is writing here") from None
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def clean_staging(self) -> list[str]:
        removed = []
        if not self.out_root.is_dir():
            return removed
        for entry in self.out_root.iterdir():
            if entry.is_dir() and entry.name.startswith(".") and (
                    entry.name.endswith(".partial") or ".old-" in entry.name):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
        return removed


def parse_manifest(data: bytes) -> list[dict[str, Any]]:
    """The records of a manifest's bytes.  A line torn by a crash mid-write (cut JSON, or cut inside a UTF-8
    character of a file name) is ignored: its input is simply redone."""
    records = []
    for raw in data.split(b"\n"):
        try:
            rec = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(rec, dict):
            records.append(rec)
    return records


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


# ---------------------------------------------------------------------------------------------- planning


@dataclasses.dataclass(frozen=True, slots=True)
class Job:
    rel: str
    name: str
    path: str
    sha256: str


def output_name(rel: str) -> str:
    """"a/b/scan.pdf" -> "a__b__scan"."""
    p = Path(rel)
    return str(p.with_suffix("")).replace(os.sep, "/").replace("/", "__")


def output_names(rels: Sequence[str]) -> dict[str, str]:
    """Unique output names (rule: :mod:`pipeline.inputs`); two inputs differing only in suffix ("x.pdf",
    "x.png") keep their suffix."""
    from pathlib import PurePosixPath

    from pipeline.inputs import unique_names

    return dict(zip(rels, unique_names([PurePosixPath(r) for r in rels], sep="__", stem_first=False),
                    strict=True))


def config_hash(config: PipelineConfig) -> str:
    # ocr_threads changes speed, not results: keep it out so resuming with other --workers does not redo
    # output options at their defaults are left out too, so hashes made before they existed still match
    # (per-stage timings, off by default, likewise)
    off = set() if config.timings else {"timings"}
    data = config.model_dump(mode="json", exclude={"ocr_threads", *unchanged_output_fields(config), *off})
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def last_records(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last record per input."""
    last: dict[str, dict[str, Any]] = {}
    for r in records:
        if "input" in r:
            last[r["input"]] = r
    return last


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


# ---------------------------------------------------------------------------------------------- workers


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerSettings:
    out_root: str
    config: PipelineConfig
    max_memory_mb: int | None = None


def _init_worker(settings: WorkerSettings) -> Any:
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


def _run_one(pm: Any, settings: WorkerSettings, job: Job,
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


def _die_with_parent() -> None:
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


def _worker_main(conn: Connection, settings: WorkerSettings) -> None:
    _die_with_parent()
    pm = _init_worker(settings)
    conn.send(("ready",))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if msg is None:
            return
        job: Job = msg

        def on_page(done: int, total: int, job: Job = job) -> None:
            conn.send(("page", job.rel, done, total))

        conn.send(("result", job.rel, _run_one(pm, settings, job, on_page)))


class _Worker:
    def __init__(self, ctx: Any, settings: WorkerSettings) -> None:
        self.conn, child = ctx.Pipe()
        self.proc: BaseProcess = ctx.Process(target=_worker_main, args=(child, settings), daemon=True)
        self.proc.start()
        child.close()
        self.job: Job | None = None
        self.started = 0.0
        self.ready = False

    def send(self, job: Job) -> None:
        self.job = job
        self.started = time.monotonic()
        self.conn.send(job)

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.conn.send(None)
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


ResultCallback = Callable[[Job, dict[str, Any]], None]
PageCallback = Callable[[Job, int, int], None]


def run_local(jobs: Sequence[Job], settings: WorkerSettings, workers: int, timeout: float | None,
              on_result: ResultCallback, on_page: PageCallback | None = None) -> None:
    """Process ``jobs`` on ``workers`` spawned processes, replacing any that crash or time out."""
    ctx = multiprocessing.get_context("spawn")
    pending = list(reversed(jobs))
    pool: list[_Worker] = []
    try:
        for _ in range(min(workers, len(jobs))):
            pool.append(_Worker(ctx, settings))
        while pending or any(w.job is not None for w in pool):
            for w in pool:
                if w.ready and w.job is None and pending:
                    w.send(pending.pop())
            busy_timeouts = [w.started + timeout - time.monotonic()
                             for w in pool if w.job is not None and timeout]
            wait_s = max(0.05, min([1.0, *busy_timeouts]))
            handles: list[Any] = [w.conn for w in pool] + [w.proc.sentinel for w in pool]
            ready = set(wait(handles, timeout=wait_s))
            for i, w in enumerate(pool):
                replace = False
                if w.conn in ready:
                    msgs: list[Any] = []
                    try:
                        while w.conn.poll():
                            msgs.append(w.conn.recv())
                    except (EOFError, OSError):  # the worker's end of the pipe broke: it died
                        replace = True
                    # handled outside the try: an error recording a result (disk full) stops the batch,
                    # it is not a dead worker
                    for msg in msgs:
                        if msg[0] == "ready":
                            w.ready = True
                        elif msg[0] == "page" and w.job is not None and on_page is not None:
                            on_page(w.job, msg[2], msg[3])
                        elif msg[0] == "result" and w.job is not None:
                            job, w.job = w.job, None
                            on_result(job, msg[2])
                if not w.proc.is_alive() or w.proc.sentinel in ready:
                    replace = True
                if replace:
                    w.proc.join(5)
                    code = w.proc.exitcode
                    if w.job is not None:
                        on_result(w.job, _failure(w.job, f"worker crashed ({_describe_exit(code)})"))
                    elif not w.ready:
                        raise PipelineError(f"batch worker failed to start ({_describe_exit(code)})")
                    w.kill()
                    pool[i] = _Worker(ctx, settings)
                elif w.job is not None and timeout and time.monotonic() - w.started > timeout:
                    job = w.job
                    w.kill()
                    on_result(job, _failure(job, f"timed out after {timeout:g} s"))
                    pool[i] = _Worker(ctx, settings)
    finally:
        for w in pool:
            if w.job is None:
                w.stop()
            else:
                w.kill()


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "exit code unknown"
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _failure(job: Job, reason: str) -> dict[str, Any]:
    now = time.time()
    return {"status": "failed", "error": f"{job.rel}: {reason}", "pages": 0, "started": now, "finished": now}


# ---------------------------------------------------------------------------------------------- ray


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
            self.pm = _init_worker(settings)

        def process(self, job: Job) -> dict[str, Any]:
            return _run_one(self.pm, self.settings, job)

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
                    result = _failure(job, "worker crashed (Ray actor died)" if died else
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
                        on_result(job, _failure(job, f"timed out after {timeout:g} s"))
                        actors[i] = DocWorker.remote(settings)
                        submit(i)
    finally:
        for a in actors:
            with contextlib.suppress(Exception):
                ray.kill(a, no_restart=True)


# ---------------------------------------------------------------------------------------------- driver


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


def plan(store: BatchStore, config: PipelineConfig, resume: bool
         ) -> tuple[list[Job], list[tuple[Job, dict[str, Any]]], list[tuple[str, str]]]:
    """Jobs to run, jobs to skip (with their last done record), and unreadable inputs (rel, reason)."""
    rels = store.list_inputs()
    names = output_names(rels)
    chash = config_hash(config)
    last = last_records(store.read_manifest()) if resume else {}
    todo: list[Job] = []
    skip: list[tuple[Job, dict[str, Any]]] = []
    unreadable: list[tuple[str, str]] = []
    for rel in rels:
        try:
            sha = store.sha256(rel)
        except OSError as exc:
            unreadable.append((rel, f"{rel}: {exc.strerror or exc}"))
            continue
        job = Job(rel=rel, name=names[rel], path=str(store.local_path(rel)), sha256=sha)
        prev = last.get(rel)
        if (prev is not None and prev.get("status") in ("done", "skipped") and prev.get("sha256") == sha
                and prev.get("config_hash") == chash and prev.get("output") == job.name
                and store.output_exists(job.name)):
            skip.append((job, prev))
        else:
            todo.append(job)
    return largest_first(todo, store), skip, unreadable


def largest_first(jobs: Sequence[Job], store: BatchStore) -> list[Job]:
    """Dispatch order: biggest input files first (a proxy for pages), so no worker is left alone with a long
    document at the end of the batch (longest-processing-time-first scheduling); ties keep path order."""

    def size(job: Job) -> int:
        try:
            return store.local_path(job.rel).stat().st_size
        except OSError:
            return 0

    return sorted(jobs, key=lambda j: -size(j))


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

        bar = _BatchProgress(len(todo)) if progress and todo else None

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
                run_ray(todo, settings, workers, timeout, ray_address, on_result)
            elif todo:
                run_local(todo, settings, workers, timeout, on_result, on_page)
    result.wall_seconds = time.time() - t0
    return result


class _BatchProgress:
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

    def __enter__(self) -> _BatchProgress:
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


# ---------------------------------------------------------------------------------------------- report


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


# ---------------------------------------------------------------------------------------------- CLI


def cmd_batch(args: argparse.Namespace) -> int:
    if args.report:
        store = LocalStore(args.report, args.report)
        if not store.has_manifest():
            raise ConfigError(f"{args.report}: no {MANIFEST} here")
        text, code = report(store.read_manifest())
        print(text)
        return code
    if not args.input or not args.out:
        raise ConfigError("batch needs INPUT_DIR and --out OUT_DIR (or --report OUT_DIR)")
    cores = os.cpu_count() or 1
    workers = args.workers or cores
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    if args.ocr_threads is None:
        args.ocr_threads = max(1, cores // workers)
    config = config_from_args(args)
    check_out_dir(args.out)  # a file in its place: one line, exit 2, before any work
    store = LocalStore(args.input, args.out)
    resume = store.has_manifest() if args.resume is None else args.resume
    quiet = args.quiet or not sys.stderr.isatty()
    res = run_batch(store, config, workers=workers, resume=resume, timeout=args.timeout or None,
                    max_memory_mb=args.max_memory, ray_address=args.ray, progress=not quiet,
                    echo=(lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr)))
    from pipeline.outputs import OutputOptions
    from pipeline.outputs.cli import finish_run

    finish_run(store.out_root, OutputOptions.from_config(config))
    text, _ = report(store.read_manifest(), only=set(res.inputs))
    print(f"this run: {res.done} done, {res.failed} failed, {res.skipped} skipped, {res.pages} pages "
          f"in {res.wall_seconds:.1f} s")
    print(text)
    return res.exit_code


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    ap = subparsers.add_parser("batch", help="process a folder tree in parallel, resumably, with a manifest")
    ap.add_argument("input", nargs="?", metavar="INPUT_DIR", help="folder searched recursively for "
                    "PDF/PNG/JPEG/TIFF files")
    ap.add_argument("--out", "-o", metavar="OUT_DIR", help="output folder (gets manifest.jsonl)")
    ap.add_argument("--workers", "-j", type=int, help="worker processes (default: CPU count)")
    ap.add_argument("--resume", action=argparse.BooleanOptionalAction, default=None,
                    help="skip inputs already done with the same content and config (default: on when "
                         "OUT_DIR/manifest.jsonl exists)")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                    help=f"seconds per document before its worker is killed (default {DEFAULT_TIMEOUT:g}; "
                         "0 = none)")
    ap.add_argument("--max-memory", type=int, metavar="MB", help="address-space limit per worker")
    ap.add_argument("--ray", metavar="ADDRESS", help="run on Ray: 'auto' or ray://host:port "
                    "(pip install 'fiscalscan[ray]')")
    ap.add_argument("--report", metavar="OUT_DIR", help="print the summary of OUT_DIR's manifest and exit")
    ap.add_argument("--dpi", type=float, help="render resolution for PDF pages (default 200)")
    ap.add_argument("--review-threshold", type=float, help="confidence below which a cell needs review")
    ap.add_argument("--ocr-engine", help=OCR_ENGINE_HELP)
    ap.add_argument("--ocr-threads", type=int, help="ONNX Runtime threads per worker "
                    "(default: cores // workers)")
    ap.add_argument("--ocr-model-dir", help="model folder for --ocr-engine paddleocr (see models/README.md)")
    ap.add_argument("--force-ocr", action="store_true",
                    help="OCR every page, also born-digital pages whose own text layer would be used")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes")
    from pipeline.outputs.cli import add_output_args

    add_output_args(ap)
    ap.set_defaults(func=cmd_batch)
    return ap


__all__ = ["BatchResult", "BatchStore", "Job", "LocalStore", "add_parser",
           "output_name", "report", "run_batch"]
