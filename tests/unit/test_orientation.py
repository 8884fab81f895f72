"""The page's own cells decide "upright" (no upside-down vote); per-stage timings of a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from pipeline import timing
from pipeline.config import PipelineConfig
from pipeline.document.codec import document_json
from pipeline.interfaces import LineRecognition
from pipeline.model import BBox, Cell, PageImage, SkewEstimate, Table, TextLine
from pipeline.orientation import MIN_CJK_LINES, lines_read_upright, reads_upright
from pipeline.runner import process_page


def _table(lines: list[tuple[str, float]]) -> Table:
    box = BBox(0, 0, 10, 10)
    cells = tuple(Cell(row=i, col=0, rowspan=1, colspan=1, text=t, confidence=c, bbox=box,
                       lines=(TextLine(text=t, confidence=c, bbox=box),)) for i, (t, c) in enumerate(lines))
    return Table(id="p001-t1", page=1, bbox=box, n_rows=len(cells), n_cols=1, cells=cells)


def test_confident_cjk_cells_read_upright() -> None:
    good = [("一般公共服务支出", 0.99)] * MIN_CJK_LINES + [("1,046.09", 0.5)]
    assert reads_upright([_table(good)])
    assert not reads_upright([])  # no tables: the vote decides
    assert not reads_upright([_table(good[: MIN_CJK_LINES - 1])])  # too few lines
    assert not reads_upright([_table([("1,046.09", 1.0)] * 40)])  # digits read the same either way up
    assert not reads_upright([_table([("存集符", 0.6)] * 20)])  # CJK read upside down: rare, weak
    assert not reads_upright([_table([("一般公共服务", 0.99)] * 10 + [("羊手和", 0.5)] * 5)])


def test_vote_crops_read_upright_only_when_every_one_is_confident_cjk() -> None:
    ok = [LineRecognition("部门决算公开", 0.97)] * 4
    assert lines_read_upright(ok, 3)
    assert not lines_read_upright(ok[:2], 3)
    assert not lines_read_upright([*ok[:3], LineRecognition("2024", 0.99)], 3)
    assert not lines_read_upright([*ok[:3], LineRecognition("部门", 0.5)], 3)


def test_stage_times_are_exclusive_and_nest(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 1.0, 3.0, 4.0, 10.0, 10.5])  # a: 0..4 with b: 1..3 inside; a again: 10..10.5
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    with timing.stage("outside"):  # outside a collect scope: nothing is booked, the clock is not read
        pass
    with timing.collect() as times:
        with timing.stage("a"), timing.stage("b"):
            pass
        with timing.stage("a"):
            pass
    assert dict(times.as_tuple()) == {"a": 4.0 - 2.0 + 0.5, "a/b": 2.0}


_UPRIGHT_CELLS = [("一般公共服务支出", 0.99)] * 8
_UPSIDE_DOWN_CELLS = [("存集符", 0.5)] * 8


@dataclass
class _FakePM:
    """Plugin manager of one page whose scan is upside down or not: cells read well only the right way up;
    ``tables`` False: a page without a table."""

    upside_down: bool
    tables: bool = True
    quarter: int = 0  # the ink alone finds the page turned by a quarter (0 or 90)
    calls: list[Any] = field(default_factory=list)
    reads: int = 0

    def check_text_layer(self, **_: Any) -> None:
        return None

    def prepare_page(self, *, page: PageImage, config: PipelineConfig) -> PageImage:
        return page  # a grey flatbed scan: nothing to rectify

    def estimate_orientation(self, *, page: PageImage, engine: Any, config: PipelineConfig) -> SkewEstimate:
        self.calls.append(engine)
        turned = engine is not None and self.upside_down
        return SkewEstimate(rotation=self.quarter + (180 if turned else 0), skew=0.0)  # type: ignore[arg-type]

    def detect_grids(self, *, page: PageImage, config: PipelineConfig) -> list[Any]:
        return [_table([])] if self.tables else []  # only its bbox is used by the core

    def build_table(self, *, page: PageImage, **_: Any) -> Table:
        self.reads += 1
        upright = page.rotation == self.quarter + (180 if self.upside_down else 0)
        return _table(_UPRIGHT_CELLS if upright else _UPSIDE_DOWN_CELLS)


def _page() -> PageImage:
    return PageImage(source="x", page_number=1, gray=np.full((40, 60), 230, np.uint8), dpi=200)


def test_upright_page_needs_no_vote() -> None:
    pm, config = _FakePM(upside_down=False), PipelineConfig()
    result = process_page(pm, _page(), "engine", config)  # type: ignore[arg-type]
    assert pm.calls == [None] and result.rotation == 0
    stages = dict(result.timings)
    assert "orientation" in stages and "tables" in stages and "orientation_vote" not in stages
    assert "timings" not in document_json("x", "0", 1, [result], [], config, None)["pages"][0]
    doc = document_json("x", "0", 1, [result], [], PipelineConfig(timings=True), None)
    assert set(doc["pages"][0]["timings"]) == set(stages)


def test_upside_down_page_is_voted_and_read_again() -> None:
    pm = _FakePM(upside_down=True)
    result = process_page(pm, _page(), "engine", PipelineConfig())  # type: ignore[arg-type]
    assert pm.calls == [None, "engine"] and result.rotation == 180
    assert result.tables[0].cells[0].text == "一般公共服务支出"
    assert "reread/tables" in dict(result.timings)


def test_page_without_tables_is_voted() -> None:
    pm = _FakePM(upside_down=False, tables=False)
    result = process_page(pm, _page(), "engine", PipelineConfig())  # type: ignore[arg-type]
    assert pm.calls == [None, "engine"] and result.rotation == 0 and not result.tables


@pytest.mark.parametrize("upside_down", [False, True])
def test_quarter_turned_page_is_voted_before_it_is_read(upside_down: bool) -> None:
    """The ink alone tells a quarter turn but not which way (90 or 270): the vote comes first and the page is
    read once, the right way up (a phone photo read upside down first cost its whole first reading)."""
    pm = _FakePM(upside_down=upside_down, quarter=90)
    result = process_page(pm, _page(), "engine", PipelineConfig())  # type: ignore[arg-type]
    assert pm.calls == [None, "engine"] and pm.reads == 1
    assert result.rotation == (270 if upside_down else 90)
    assert result.tables[0].cells[0].text == "一般公共服务支出"
    assert "reread" not in dict(result.timings) and "orientation_vote" in dict(result.timings)
