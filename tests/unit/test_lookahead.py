"""Reading pages ahead (``pipeline/lookahead.py``): the next pages are rendered, prepared, oriented and their
grids found on background threads while the current page is read, with the same results as inline."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.config import PipelineConfig
from pipeline.errors import InputError
from pipeline.lookahead import PREFETCH_ENV, Ahead, PageReader, look_ahead, prefetch_wanted
from pipeline.model import PageImage, SkewEstimate
from pipeline.runner import process_document
from tests.conftest import SAMPLES


class _Hooks:
    """Page hooks that record the thread they ran on; ``quarter``: the ink finds a quarter turn."""

    def __init__(self, quarter: bool = False) -> None:
        self.threads: list[str] = []
        self.quarter = quarter

    def prepare_page(self, *, page: PageImage, config: PipelineConfig) -> PageImage:
        self.threads.append(threading.current_thread().name)
        return page

    def estimate_orientation(self, *, page: PageImage, engine: Any, config: PipelineConfig) -> SkewEstimate:
        return SkewEstimate(rotation=90 if self.quarter else 0, skew=0.0)

    def detect_grids(self, *, page: PageImage, config: PipelineConfig) -> list[Any]:
        return []


def _render(bad: int = 0):  # type: ignore[no-untyped-def]
    rendered: list[int] = []

    def render(number: int) -> PageImage:
        rendered.append(number)
        if number == bad:
            raise InputError("x.pdf", "cannot be rendered", page=number)
        return PageImage(source="x.pdf", page_number=number, gray=np.full((40, 60), 230, np.uint8), dpi=200)

    return render, rendered


def test_next_page_is_read_ahead_on_another_thread_and_its_error_raised_at_that_page() -> None:
    hooks = _Hooks()
    render, rendered = _render(bad=2)
    with PageReader(hooks, render, 3, PipelineConfig(), background=True) as reader:
        page, ahead = reader.get(1)
        assert page.page_number == 1 and isinstance(ahead, Ahead) and ahead.upright is not None
        assert {"prepare", "orientation", "upright", "grids"} <= dict(ahead.timings).keys() and ahead.seconds > 0
        with pytest.raises(InputError, match="page 2"):
            reader.get(2)  # read ahead while page 1 was handed out; its error comes with it
        page3, _ = reader.get(3)
    assert page3.page_number == 3 and sorted(rendered) == [1, 2, 3]
    assert all(t.startswith("fiscalscan-ahead") for t in hooks.threads)


def test_two_pages_are_read_ahead_at_once() -> None:
    """While page 1 is handed out, pages 2 and 3 are both read ahead, on two threads; page 4 waits for page 2."""
    import time

    from pipeline.lookahead import AHEAD_PAGES

    hooks = _Hooks()
    render, rendered = _render()
    with PageReader(hooks, render, 5, PipelineConfig(), background=True) as reader:
        reader.get(1)
        deadline = time.monotonic() + 10
        while len(rendered) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert AHEAD_PAGES == 2 and sorted(rendered) == [1, 2, 3]  # page 3 read before page 2 was asked for
        reader.get(2)
        while len(rendered) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sorted(rendered) == [1, 2, 3, 4]
        assert [reader.get(n)[0].page_number for n in (3, 4, 5)] == [3, 4, 5]
    assert sorted(rendered) == [1, 2, 3, 4, 5]


def test_opencv_runs_on_the_calling_thread_while_reading_ahead() -> None:
    import cv2

    before = cv2.getNumThreads()
    cv2.setNumThreads(2)
    try:
        with PageReader(_Hooks(), _render()[0], 1, PipelineConfig(), background=True) as reader:
            reader.get(1)
            assert cv2.getNumThreads() == 1  # two threads of ours fill the cores; no pool of OpenCV's on top
        assert cv2.getNumThreads() == 2
        with PageReader(_Hooks(), _render()[0], 1, PipelineConfig(), background=False):
            assert cv2.getNumThreads() == 2
    finally:
        cv2.setNumThreads(before)


def test_inline_reader_leaves_the_look_ahead_to_the_page() -> None:
    render, rendered = _render()
    with PageReader(_Hooks(), render, 2, PipelineConfig(), background=False) as reader:
        assert reader.get(2)[1] is None and rendered == [2]


def test_quarter_turned_page_is_not_read_ahead_before_its_vote() -> None:
    page = _render()[0](1)
    ahead = look_ahead(_Hooks(quarter=True), page, PipelineConfig())
    assert ahead.estimate.rotation == 90 and ahead.upright is None


def test_prefetch_needs_a_spare_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert prefetch_wanted(PipelineConfig())
    assert not prefetch_wanted(PipelineConfig(ocr_threads=1))  # batch workers share the cores
    monkeypatch.setenv(PREFETCH_ENV, "0")
    assert not prefetch_wanted(PipelineConfig())
    monkeypatch.delenv(PREFETCH_ENV)
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0}, raising=False)
    assert not prefetch_wanted(PipelineConfig())


def _without_times(doc: dict[str, Any]) -> dict[str, Any]:
    for page in doc["pages"]:
        page.pop("seconds", None)
        page.pop("timings", None)
    return doc


def test_document_read_ahead_equals_document_read_inline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample document (prose page, table, continuation) through ``process_document`` with and without the
    look-ahead thread: the same document.json but for the seconds."""
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    config = PipelineConfig(timings=True)
    docs = []
    for flag in ("0", "1"):
        monkeypatch.setenv(PREFETCH_ENV, flag)
        summary = process_document(SAMPLES / "demo-final-2024" / "scan.pdf", tmp_path / flag, config)
        assert summary.status == "ok" and summary.tables
        docs.append(json.loads((Path(summary.out_dir or "") / "document.json").read_text(encoding="utf-8")))
    inline, ahead = docs
    assert [set(p["timings"]) for p in ahead["pages"]] == [set(p["timings"]) for p in inline["pages"]]
    assert _without_times(ahead) == _without_times(inline)
