"""Per-stage wall-clock accounting of one page: where did its seconds go?

``process_page`` opens a :func:`collect` scope; code inside it marks its steps with :func:`stage`.  Stages
nest, and a stage's time is *exclusive*: the time of the stages opened inside it is booked under their own
path (``"tables/cells/recognize"``), not again under the parent, so the stages of a page add up to (almost)
its wall time.  Outside a :func:`collect` scope :func:`stage` costs two ``perf_counter`` calls and books
nothing.  The accounting never changes what the pipeline computes; the result is reported in the pages of
document.json only when ``PipelineConfig.timings`` is set, and always by ``bench/bench_pipeline.py``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Frame:
    path: str
    child_seconds: float = 0.0


@dataclass(slots=True)
class StageTimes:
    """Exclusive seconds per stage path, in the order the stages were first entered."""

    seconds: dict[str, float] = field(default_factory=dict)
    stack: list[_Frame] = field(default_factory=list)

    def as_tuple(self) -> tuple[tuple[str, float], ...]:
        return tuple(self.seconds.items())

    def add(self, times: tuple[tuple[str, float], ...]) -> None:
        """Book stage times measured elsewhere (another thread's scope) as top-level stages of this one."""
        for path, seconds in times:
            self.seconds[path] = self.seconds.get(path, 0.0) + seconds


_CURRENT: ContextVar[StageTimes | None] = ContextVar("fiscalscan_stage_times", default=None)


@contextmanager
def collect() -> Iterator[StageTimes]:
    """Book the stages entered inside this scope (in this thread / task) into a fresh :class:`StageTimes`."""
    times = StageTimes()
    token = _CURRENT.set(times)
    try:
        yield times
    finally:
        _CURRENT.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Book the wall time spent inside, less that of the stages nested in it, under ``parent/name``."""
    times = _CURRENT.get()
    if times is None:
        yield
        return
    parent = times.stack[-1] if times.stack else None
    frame = _Frame(f"{parent.path}/{name}" if parent else name)
    times.stack.append(frame)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - t0
        times.stack.pop()
        times.seconds[frame.path] = times.seconds.get(frame.path, 0.0) + elapsed - frame.child_seconds
        if parent is not None:
            parent.child_seconds += elapsed
