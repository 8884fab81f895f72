"""A page's work before any recognition, and reading it ahead on background threads.

Everything a scanned page needs before its cells are read depends on the page alone: rendering, preparation
(``prepare_page``), the orientation estimate from its ink (``estimate_orientation`` without an engine) and,
unless that estimate is a quarter turn (voted on before reading), the page turned upright and its grids
(``detect_grids``).  :func:`look_ahead` computes it.  :class:`PageReader` hands out a document's pages in
order and, when the machine has a core to spare, renders and looks ahead at pages *n + 1* and *n + 2*, each on
a background thread, while the caller reads page *n*: the recogniser keeps both cores busy only part of a
page's time, and the image work of the next pages (single-threaded numpy and OpenCV, which release the GIL)
fills the rest.

The results are the same either way: the same functions of the same page, in the same order per page.  Hook
implementations of ``prepare_page``, ``estimate_orientation`` (called without an engine) and ``detect_grids``
may therefore run on the background threads, two pages at once, while ``build_table`` of an earlier page runs
on the caller's (documented in :mod:`pipeline.hookspecs`); pdfium calls are serialised by its plugin.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Protocol

from pipeline import timing
from pipeline.config import PipelineConfig
from pipeline.geometry import upright, upright_chars
from pipeline.model import Grid, PageImage, SkewEstimate, TextLayerCheck

#: set to 0 to read every page on the caller's thread only (same results; for debugging and timing)
PREFETCH_ENV = "FISCALSCAN_PREFETCH"
#: pages read ahead at once, each on its own worker thread.  Two: a page without a table costs the caller only
#: its orientation vote, so on a run of such pages one look-ahead thread was the bottleneck while a core idled
#: (template, 4 paired runs: wall 0.88x against one page ahead, CPU the same, peak RSS +64 MiB; three pages
#: ahead: 0.99x against two, +45 MiB more)
AHEAD_PAGES = 2


class _Hooks(Protocol):
    def prepare_page(self, *, page: PageImage, config: PipelineConfig) -> PageImage: ...
    def estimate_orientation(self, *, page: PageImage, engine: Any, config: PipelineConfig) -> SkewEstimate: ...
    def detect_grids(self, *, page: PageImage, config: PipelineConfig) -> list[Grid]: ...


@dataclass(frozen=True, slots=True)
class Upright:
    """A page turned upright and deskewed by an estimate, and the grids found on it."""

    page: PageImage
    grids: tuple[Grid, ...]


@dataclass(frozen=True, slots=True)
class Ahead:
    """A scanned page's work before recognition: ``page`` as prepared, the ink's ``estimate`` and, unless that
    is a quarter turn, the page read that way up (``upright``); ``timings`` and ``seconds`` are what it cost
    (booked into the page's own when it was computed on another thread)."""

    page: PageImage
    estimate: SkewEstimate
    upright: Upright | None
    timings: tuple[tuple[str, float], ...] = ()
    seconds: float = 0.0


def turn_upright(page: PageImage, est: SkewEstimate, check: TextLayerCheck | None) -> PageImage:
    """``page`` turned upright and deskewed by ``est`` (its characters with it)."""
    with timing.stage("upright"):
        h, w = page.gray.shape
        return replace(page, gray=upright(page.gray, est.rotation, est.skew), rotation=est.rotation,
                       skew=est.skew, chars=upright_chars(page.chars, w, h, est.rotation, est.skew),
                       text_check=check, color=None)


def find_upright(pm: _Hooks, page: PageImage, est: SkewEstimate, check: TextLayerCheck | None,
                 config: PipelineConfig) -> Upright:
    """The page turned upright by ``est`` and its grids."""
    turned = turn_upright(page, est, check)
    with timing.stage("grids"):
        grids = pm.detect_grids(page=turned, config=config)
    return Upright(turned, tuple(grids))


def look_ahead(pm: _Hooks, page: PageImage, config: PipelineConfig) -> Ahead:
    """Prepare a scanned page, estimate its orientation from the ink and, unless that is a quarter turn (which
    way is voted on with the engine before reading), turn it upright and find its grids."""
    with timing.stage("prepare"):
        page = pm.prepare_page(page=page, config=config)  # photographed sheet rectified, seals suppressed
    with timing.stage("orientation"):
        est = pm.estimate_orientation(page=page, engine=None, config=config)
    if est.rotation in (90, 270):
        return Ahead(page, est, None)
    return Ahead(page, est, find_upright(pm, page, est, None, config))


def needs_ocr(page: PageImage, config: PipelineConfig) -> bool:
    """Is the page read by OCR whatever its text layer says (no characters of its own, or OCR forced)?  Only
    then is its look-ahead known before the page is looked at with the engine."""
    return not page.chars or config.force_ocr


def prefetch_wanted(config: PipelineConfig) -> bool:
    """Read ahead on background threads: two cores or more, the recogniser not held to one thread (batch workers
    share the cores between processes), and not switched off by ``FISCALSCAN_PREFETCH=0``."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores >= 2 and config.ocr_threads != 1 and os.environ.get(PREFETCH_ENV, "1") != "0"


class PageReader:
    """The pages of a document in order, each with its :class:`Ahead` when it is an OCR page (else None).

    With ``background`` the next :data:`AHEAD_PAGES` pages are rendered and looked ahead, each on a worker
    thread, as soon as a page is handed out; an error rendering or looking at a page is raised by :meth:`get` of
    that page, as it would be inline.  Use as a context manager: leaving it waits for the workers and drops what
    was read ahead.

    While reading ahead, OpenCV runs its functions on the calling thread only (restored on leaving): our
    threads already fill both cores, and OpenCV's own pool on top of them cost 12% more CPU and 4% more wall
    time (template, 3 paired runs; the same pixels either way)."""

    def __init__(self, pm: _Hooks, render: Callable[[int], PageImage], n_pages: int, config: PipelineConfig,
                 background: bool) -> None:
        self._pm, self._render, self._n, self._config = pm, render, n_pages, config
        self._pool = ThreadPoolExecutor(max_workers=AHEAD_PAGES, thread_name_prefix="fiscalscan-ahead") \
            if background else None
        self._pending: dict[int, Future[tuple[PageImage, Ahead | None]]] = {}
        self._cv_threads: int | None = None

    def __enter__(self) -> PageReader:
        if self._pool is not None:
            import cv2

            self._cv_threads = cv2.getNumThreads()
            cv2.setNumThreads(1)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()
        if self._cv_threads is not None:
            import cv2

            cv2.setNumThreads(self._cv_threads)

    def get(self, number: int) -> tuple[PageImage, Ahead | None]:
        """Page ``number`` (1-based) rendered, and its look-ahead."""
        if self._pool is None:
            return self._render(number), None  # inline: the page's own scope books its stages
        future = self._pending.pop(number, None) or self._pool.submit(self._read, number)
        for k in range(number + 1, min(self._n, number + AHEAD_PAGES) + 1):
            if k not in self._pending:
                self._pending[k] = self._pool.submit(self._read, k)
        return future.result()

    def _read(self, number: int) -> tuple[PageImage, Ahead | None]:
        page = self._render(number)
        if not needs_ocr(page, self._config):
            return page, None  # its text layer is checked with the engine first
        t0 = time.perf_counter()
        with timing.collect() as times:
            ahead = look_ahead(self._pm, page, self._config)
        return page, replace(ahead, timings=times.as_tuple(), seconds=time.perf_counter() - t0)
