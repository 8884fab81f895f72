"""Local worker pool: plain ``multiprocessing`` processes (spawn context) driven over pipes, one document at
a time; a worker that dies (segfault, ``os._exit``, OOM kill) or runs past the timeout is replaced and its
document marked failed with the reason."""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from pipeline.batch.plan import Job
from pipeline.batch.worker import WorkerSettings, describe_exit, die_with_parent, failure, init_worker, run_one
from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess


def _worker_main(conn: Connection, settings: WorkerSettings) -> None:
    die_with_parent()
    pm = init_worker(settings)
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

        conn.send(("result", job.rel, run_one(pm, settings, job, on_page)))


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
                        on_result(w.job, failure(w.job, f"worker crashed ({describe_exit(code)})"))
                    elif not w.ready:
                        raise PipelineError(f"batch worker failed to start ({describe_exit(code)})")
                    w.kill()
                    pool[i] = _Worker(ctx, settings)
                elif w.job is not None and timeout and time.monotonic() - w.started > timeout:
                    job = w.job
                    w.kill()
                    on_result(job, failure(job, f"timed out after {timeout:g} s"))
                    pool[i] = _Worker(ctx, settings)
    finally:
        for w in pool:
            if w.job is None:
                w.stop()
            else:
                w.kill()
