"""The plugin manager's own rules: overlapping grids from several detectors are reduced to one per table
(dedupe_grids), and two plugins registering different recognisers under one name is a configuration error."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import hookimpl
from pipeline.errors import ConfigError
from pipeline.interfaces import TableRecognizer
from pipeline.model import BBox, Grid, PageImage, RecognizedTable, Table
from pipeline.plugin_manager import PluginManager, dedupe_grids


def grid(x0: float, top: float, x1: float, bottom: float) -> Grid:
    return Grid(bbox=BBox(x0, top, x1, bottom), row_edges=(top, bottom), col_edges=(x0, x1), spans=((0, 0, 1, 1),))


def test_dedupe_grids_drops_a_grid_mostly_inside_a_larger_one() -> None:
    big = grid(0, 0, 100, 100)
    inside = grid(10, 10, 60, 60)  # entirely inside: a second detector's view of part of the same table
    assert dedupe_grids([inside, big]) == [big]


def test_dedupe_grids_keeps_grids_that_overlap_little_in_reading_order() -> None:
    lower = grid(0, 200, 100, 300)
    upper_right = grid(60, 0, 160, 100)
    upper_left = grid(0, 0, 100, 100)  # overlaps upper_right by 40 % of its area: kept (limit 50 %)
    kept = dedupe_grids([lower, upper_right, upper_left])
    assert kept == [upper_left, upper_right, lower]  # top to bottom, then left to right
    # the limit is the overlap share of the smaller grid's area
    assert dedupe_grids([upper_left, upper_right], max_overlap=0.3) == [upper_left]
    assert dedupe_grids([]) == []


def test_detect_grids_dedupes_what_several_plugins_find(config) -> None:  # type: ignore[no-untyped-def]
    class Detector:
        def __init__(self, *grids: Grid) -> None:
            self.grids = list(grids)

        @hookimpl
        def detect_grids(self) -> list[Grid]:
            return self.grids

    big, part, other = grid(0, 0, 100, 100), grid(0, 0, 90, 80), grid(0, 150, 100, 200)
    pm = PluginManager(entrypoints=False, extra=[Detector(part, other), Detector(big)],
                       blocked=["grid-lattice"])
    page = PageImage(source="x", page_number=1, gray=np.full((300, 300), 255, np.uint8), dpi=200)
    assert pm.detect_grids(page=page, config=config) == [big, other]


def _recognizer(name: str) -> type[TableRecognizer]:
    class R(TableRecognizer):
        def score(self, table: Table) -> float:
            return 0.0

        def recognize(self, table: Table) -> RecognizedTable:
            return RecognizedTable(type=name, type_confidence=0.0)

    R.name = name
    return R


class _Registers:
    def __init__(self, *classes: type[TableRecognizer]) -> None:
        self.classes = list(classes)

    @hookimpl
    def register_recognizers(self) -> list[type[TableRecognizer]]:
        return self.classes


def test_two_recognisers_with_one_name_are_a_config_error() -> None:
    pm = PluginManager(entrypoints=False, extra=[_Registers(_recognizer("twin")), _Registers(_recognizer("twin"))])
    with pytest.raises(ConfigError, match="two table recognisers are named 'twin'"):
        pm.recognizers()


def test_one_recogniser_registered_twice_is_not_an_error() -> None:
    cls = _recognizer("once")
    pm = PluginManager(entrypoints=False, extra=[_Registers(cls), _Registers(cls)])
    names = [r.name for r in pm.recognizers()]
    assert names.count("once") == 1 and "generic" in names


def test_a_third_party_recogniser_may_not_take_a_builtin_name() -> None:
    pm = PluginManager(entrypoints=False, extra=[_Registers(_recognizer("generic"))])
    with pytest.raises(ConfigError, match="'generic'"):
        pm.recognizers()
