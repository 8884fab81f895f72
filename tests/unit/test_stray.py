"""Stray marks dropped from a cell's reading by the recogniser's per-character probabilities
(plugins/cells/stray.py) — and readings that look alike but are print, kept."""

from __future__ import annotations

import pytest

from pipeline.interfaces import LineRecognition
from plugins.cells import stray


def line(text: str, *confs: float) -> LineRecognition:
    probs = confs if len(confs) == len(text) else (confs[0],) * len(text)
    return LineRecognition(text, min(probs), tuple(probs))


def texts(lines: list[LineRecognition]) -> tuple[list[str], bool]:
    _keep, out, changed = stray.clean_reading(lines)
    return [r.text for r in out], changed


def test_a_doubtful_mark_line_beside_a_clear_label_is_dropped() -> None:
    assert texts([line("X", 0.08), line("项目支出", 1.0)]) == (["项目支出"], True)
    assert texts([line("其他收", 1.0), line("入", 0.96), line("X", 0.2)]) == (["其他收", "入"], True)
    assert texts([line("476.85", 1.0), line("SY", 0.51, 0.45)]) == (["476.85"], True)
    assert texts([line("經", 0.06), line("绩效指标", 1.0)]) == (["绩效指标"], True)  # very doubtful CJK: a hair


def test_doubtful_lines_of_print_are_kept() -> None:
    # a CJK character read with middling doubt is text, however doubtful
    assert texts([line("资金结(15)", 0.99), line("余", 0.4)]) == (["资金结(15)", "余"], False)
    # no clear line beside it: nothing to tell the marks from the text
    assert texts([line("X", 0.2), line("项目", 0.7)]) == (["X", "项目"], False)
    # a single line is never dropped (empty cells are plugins.cells.blank's business)
    assert texts([line("dA", 0.08, 0.55)]) == (["dA"], False)


@pytest.mark.parametrize(("reading", "probs", "want"), [
    ("7a", (0.99, 0.37), "7"),
    ("本年支出“", (1.0, 1.0, 1.0, 1.0, 0.59), "本年支出"),
    ("c 1", (0.23, 0.56, 0.98), "1"),
    ("、标", (0.30, 1.0), "标"),  # a line never begins with 、
    ("年度资金总额：~", (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.47, 0.36), "年度资金总额："),
    ("宣传事务，", (1.0, 1.0, 1.0, 1.0, 0.52), "宣传事务"),  # the cell's last line ends with no comma
    ("出C2648", (1.0, 0.52, 0.24, 0.54, 0.44, 0.1), "出"),  # a doubtful run glued to clear CJK text: a hair
])
def test_a_doubtful_stray_edge_character_is_dropped(reading: str, probs: tuple[float, ...], want: str) -> None:
    assert texts([line(reading, *probs)]) == ([want], True)


@pytest.mark.parametrize(("reading", "probs"), [
    ("7a", (0.99, 0.75)),  # the recogniser is sure enough of it
    ("GDP增长率", (0.6, 1.0, 1.0, 1.0, 1.0, 1.0)),  # latin letters are print where the line holds others
    ("（一）行政单位", (0.6, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)),  # brackets are print
    ("项目年度目标。", (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5)),  # a sentence ends with 。
    ("12.5%", (1.0, 1.0, 1.0, 1.0, 0.5)),
    ("x 10", (0.5, 0.6, 0.6, 0.7)),  # the rest of the line is doubtful too: no telling
    ("项目编号2023", (1.0, 1.0, 1.0, 1.0, 0.9, 0.9, 0.9, 0.9)),  # digits the recogniser is sure of
    ("支出 A12", (1.0, 1.0, 0.9, 0.5, 0.5, 0.5)),  # a separate word after a space
])
def test_edge_characters_that_are_print_are_kept(reading: str, probs: tuple[float, ...]) -> None:
    assert texts([line(reading, *probs)]) == ([reading], False)


def test_a_comma_ends_a_line_inside_a_cell() -> None:
    """A wrapped sentence's first line may end with ，; only the cell's last line may not."""
    first = line("进度不均衡，", 1.0, 1.0, 1.0, 1.0, 1.0, 0.5)
    assert texts([first, line("有待提高。", 1.0)]) == (["进度不均衡，", "有待提高。"], False)


def test_readings_without_character_probabilities_are_left_alone() -> None:
    assert texts([LineRecognition("7a", 0.3)]) == (["7a"], False)
