"""Misreadings of blurred low-resolution scans undone by printing rules; well-formed text is never changed."""

from __future__ import annotations

import pytest

from plugins.cells.ink import em, text_line_band
from plugins.cells.normalise import dash_by_width, normalise_cell_text, undo_lookalikes


@pytest.mark.parametrize(("read", "fixed"), [
    ("一.一般公共预算财政拨款收入", "一、一般公共预算财政拨款收入"),
    ("十八，自然资源海洋气象等支出", "十八、自然资源海洋气象等支出"),
    ("五、.教育支出", "五、教育支出"),
    ("(三)卫生健康支出", "（三）卫生健康支出"),
    ("(十二）其他支出", "（十二）其他支出"),
    ("金額", "金额"),
    ("決算数", "决算数"),
    ("大型修繕", "大型修缮"),
    ("•一", "一"), ("·——", "——"),
    (". 713.97", "713.97"),
    ("5•", "5"),
    ("20199.", "20199"),
    ("215,48", "215.48"),
    ("16:99", "16.99"),
    ("四公共安全支出", "四、公共安全支出"),  # a 、 dropped by the blur: ordinal glued to a standard label
    ("一一般公共预算财政拨款收入", "一、一般公共预算财政拨款收入"),
    ("二十四债务还本支出", "二十四、债务还本支出"),
    ("十一般公共服务支出", "十、一般公共服务支出"),
    ("103.4,3", "103.43"),  # a speck among the two decimals
    ("31Q12", "31012"),  # a letter between digits of a code is the digit it looks like
    ("3i2", "312"),
    ("1O0", "100"),
    ("520·临河县卫生健康局", "520-临河县卫生健康局"),  # a code joined to a name by a blurred hyphen
])
def test_misreadings_undone(read: str, fixed: str) -> None:
    assert normalise_cell_text(read) == fixed


@pytest.mark.parametrize("text", [
    "一、一般公共服务支出", "一般公共服务支出", "1. 一般公共预算资金", "1,046.09", "(3.20)", "95.0%", "十一", "——",
    "-", "（一）基本支出", "(1)人员经费", "(三)",  "2024年1月", "12,345", "项目支出",
    "一般公共预算财政拨款收入", "十一月", "三公经费", "二十五债务付息支出人",
    "1·一般公共预算资金", "马克思·恩格斯", "A1", "GB2312", "Q1", "3.5,4.5", "1,046.09", "103.4",
])
def test_well_formed_text_unchanged(text: str) -> None:
    assert normalise_cell_text(text) == text


def test_short_ink_band_is_cropped_at_a_text_lines_height() -> None:
    dpi = 200
    y0, y1 = text_line_band(20, 24, 60, dpi)  # a dash 4 px tall in a 60 px cell
    assert y1 - y0 >= int(0.8 * em(dpi)) and y0 <= 20 and y1 >= 24
    assert text_line_band(10, 40, 60, dpi) == (10, 40)  # a text line is left as found
    y0, y1 = text_line_band(0, 3, 12, dpi)  # never outside the cell
    assert 0 <= y0 < y1 <= 12


@pytest.mark.parametrize(("read", "width_em", "dash"), [
    ("一", 1.7, "——"), ("_", 2.0, "——"), ("-", 0.4, "-"), ("一", 0.9, "一"), ("—", 1.0, "—"), ("一般", 2.0, "一般"),
])
def test_lone_dash_read_by_its_length(read: str, width_em: float, dash: str) -> None:
    assert dash_by_width(read, width_em) == dash


def test_double_separator_before_a_thousands_group() -> None:
    assert normalise_cell_text("44,.400") == "44,400"


def test_a_greek_letter_beside_chinese_is_the_character_it_resembles() -> None:
    """收λ for 收入: applied before the dust cleanup, so the dot after the misread character goes too."""
    from plugins.cells.reconstruct import clean_text, written

    assert undo_lookalikes("事业收λ") == "事业收入" and undo_lookalikes("λ库") == "入库"
    assert undo_lookalikes("λ = 0.5") == "λ = 0.5"  # no Chinese beside it: left alone
    assert clean_text(undo_lookalikes("财政拨款收λ."))[0] == "财政拨款收入"
    assert written(["三国有资本经营预算财政拨款收λ."]) == "三、国有资本经营预算财政拨款收入"
