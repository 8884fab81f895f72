"""Captions of any layout: the title is the nearest centred line above the table that is not a code line, a meta
line, a part heading or a page number; a code printed with the title is split off; the unit comes from any line."""

from __future__ import annotations

import pytest

from pipeline.captions import Segment, choose_caption, is_continued_title, is_meta_line, split_code
from pipeline.model import BBox, Table

TABLE = BBox(200, 500, 1600, 2000)  # centre x = 900


def seg(text: str, centre: float = 900, width: float = 300) -> Segment:
    return Segment(text, centre - width / 2, centre + width / 2, 0.99)


@pytest.mark.parametrize(("text", "code", "title"), [
    ("公开03表：支出预算总表", "公开03表", "支出预算总表"),
    ("公开01表", "公开01表", ""),
    ("附表1 收入支出决算总表", "附表1", "收入支出决算总表"),
    ("表3-1 一般公共预算支出表", "表3-1", "一般公共预算支出表"),
    ("支出预算总表（公开03表）", "公开03表", "支出预算总表"),
    ("2024年部门财务收支预算总表", "", "2024年部门财务收支预算总表"),
    ("部门决算公开相关信息统计表", "", "部门决算公开相关信息统计表"),
    # codes numbered in Chinese numerals, annex numbers, the disclosure's own name for its tables
    ("表三 一般公共预算基本支出预算表", "表三", "一般公共预算基本支出预算表"),
    ("附表十二：政府采购预算表", "附表十二", "政府采购预算表"),
    ("附件3：一般公共预算支出预算表", "附件3", "一般公共预算支出预算表"),
    ("部门预算公开表3 项目支出预算表", "部门预算公开表3", "项目支出预算表"),
    ("收入决算表（表二）", "表二", "收入决算表"),
    ("一般公共预算支出预算表", "", "一般公共预算支出预算表"),
])
def test_split_code(text: str, code: str, title: str) -> None:
    assert split_code(text) == (code, title)


@pytest.mark.parametrize(("text", "meta"), [
    ("部门名称：临河县卫生健康局", True), ("2023年度", True), ("(2023年度)", True), ("金额单位：万元", True),
    ("单位：元", True), ("编制部门：上海市普陀区人民政府万里街道办事处", True), ("部门：某某局", True),
    ("编制单位：某某局", True), ("2024年1月20日", True), ("第二部分 2023年部门决算表", True), ("第3页", True),
    ("收入支出决算总表", False), ("2024年部门收入预算总表", False), ("部门决算公开相关信息统计表", False),
    ("部门“三公”经费和机关运行经费预算表", False),
])
def test_meta_lines(text: str, meta: bool) -> None:
    assert is_meta_line(text) is meta


def test_title_above_a_code_line_and_a_meta_line() -> None:
    """The layout of other provinces: title, 公开NN表 code line, 部门名称 … 年度 … 金额单位 meta line."""
    segs = [seg("部门名称：临河县卫生健康局", 400), seg("2023年度", 900, 120), seg("金额单位：万元", 1500, 200),
            seg("公开01表", 1520, 110), seg("收入支出决算总表", 900, 400), seg("第二部分 2023年部门决算表", 900, 600)]
    cap = choose_caption(segs, TABLE)
    assert (cap.title, cap.code, cap.unit) == ("收入支出决算总表", "公开01表", "万元")


def test_coded_title_and_unit_line() -> None:
    cap = choose_caption([seg("单位：元", 1500, 120), seg("公开03表：支出预算总表", 900, 500)], TABLE)
    assert (cap.title, cap.code, cap.unit) == ("支出预算总表", "公开03表", "元")


def test_putuo_layout_title_directly_above() -> None:
    cap = choose_caption([seg("编制部门：上海市普陀区", 450), seg("单位：万元", 1500, 150),
                          seg("2024年部门收入预算总表", 900, 500)], TABLE)
    assert (cap.title, cap.code, cap.unit) == ("2024年部门收入预算总表", "", "万元")


def test_no_title_on_a_continuation_page() -> None:
    cap = choose_caption([seg("金额单位：万元", 1500, 200), seg("第二部分 2023年部门决算表", 900, 600)], TABLE)
    assert (cap.title, cap.unit) == ("", "万元")


def test_off_centre_line_is_not_a_title() -> None:
    assert choose_caption([seg("临河县卫生健康局部门决算", 300, 300)], TABLE).title == ""


@pytest.mark.parametrize(("title", "continued"), [
    ("支出决算表（续）", True), ("支出决算表(续)", True), ("续表", True), ("收入决算表（续表1）", True),
    ("支出决算表", False), ("继续教育支出表", False),
])
def test_continued_titles(title: str, continued: bool) -> None:
    assert is_continued_title(title) is continued


def _table(title: str, n_cols: int = 8, bottom: float = 2200) -> Table:
    from pipeline.model import Cell

    cells = tuple(Cell(row=0, col=c, rowspan=1, colspan=1, text="1.00", confidence=1.0, bbox=TABLE)
                  for c in range(n_cols))
    return Table(id="t", page=1, bbox=BBox(200, 300, 1600, bottom), n_rows=1, n_cols=n_cols, cells=cells,
                 title=title)


def test_continuations_by_mark_or_repeated_title() -> None:
    from pipeline.document.continuations import continues

    head = _table("支出决算表")
    assert continues(_table("支出决算表（续）"), head, "支出决算表")
    assert continues(_table(""), head, "支出决算表")
    assert continues(_table("支出决算表"), head, "支出决算表", prev_full=True)
    # the same title below a table that ended mid-page, or with other columns, is a table of its own
    assert not continues(_table("支出决算表"), head, "支出决算表", prev_full=False)
    assert not continues(_table("支出决算表", n_cols=5), head, "支出决算表")
    assert not continues(_table("收入决算表"), head, "支出决算表")


def line(text: str, top: float, height: float = 40, centre: float = 900, width: float = 600) -> Segment:
    return Segment(text, centre - width / 2, centre + width / 2, 0.99, top, top + height)


def test_title_wrapped_over_two_lines() -> None:
    """A long title wraps: the line right above it, at the same size and set close, is its beginning."""
    segs = [line("单位：万元", 440, 25, centre=1500, width=150), line("一般公共预算支出预算表", 380),
            line("某某市农业农村局2024年度", 330)]
    assert choose_caption(segs, TABLE).title == "某某市农业农村局2024年度一般公共预算支出预算表"


@pytest.mark.parametrize("upper", [
    line("某某市农业农村局2024年度部门预算", 250),  # far above: a heading of the document
    line("某某市农业农村局2024年度部门预算", 320, height=60),  # larger type: a heading
    line("部门收支预算总表", 330),  # a complete title of its own
    line("第二部分 2024年度部门预算表", 330),  # a part heading
])
def test_line_above_a_title_that_is_not_its_beginning(upper: Segment) -> None:
    segs = [line("一般公共预算支出预算表", 380), upper]
    assert choose_caption(segs, TABLE).title == "一般公共预算支出预算表"


def test_no_two_line_title_without_line_geometry() -> None:
    segs = [seg("一般公共预算支出预算表"), seg("某某市农业农村局2024年度")]
    assert choose_caption(segs, TABLE).title == "一般公共预算支出预算表"
