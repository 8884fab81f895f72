"""Structure confidence: doubtful column boundaries repaired when the evidence is clear, else marked doubtful so
that no record built on them is confident."""

from __future__ import annotations

from dataclasses import replace

from pipeline.document.structure import (
    doubtful_cells,
    empty_header_cells,
    map_disagreements,
    repair_split_columns,
    split_code_cells,
)
from pipeline.model import BBox
from tests.fiscal.tables import run, table_of

# The 款 code column of a 基本支出 table drawn as three columns (a short ruling / streak): rows 3-6 put the 款
# code in the middle piece (the first and middle pieces spanned), rows 7-10 in the last piece.
SPLIT = [
    ["经济分类", "<", "<", "<", "科目名称", "决算数"],
    ["科目编码", "<", "<", "<", "^", "^"],
    ["类", "", "款", "<", "^", "^"],
    ["301", "", "", "<", "工资福利支出", "100.00"],
    ["301", "", "01", "<", "基本工资", "40.00"],
    ["301", "", "02", "<", "津贴补贴", "30.00"],
    ["301", "", "03", "<", "奖金", "10.00"],
    ["301", "", "<", "07", "绩效工资", "20.00"],
    ["302", "", "<", "", "商品和服务支出", "5.00"],
    ["302", "", "<", "01", "办公费", "2.00"],
    ["302", "", "<", "02", "印刷费", "3.00"],
]


def test_a_column_split_in_some_rows_is_merged_back():
    t = table_of(SPLIT, title="一般公共预算财政拨款基本支出决算表")
    fixed = repair_split_columns(t)
    assert fixed.n_cols == 4 and fixed.notes.repairs
    texts = {(c.row, c.col): c.text for c in fixed.cells}
    assert [texts[(r, 1)] for r in range(3, 11)] == ["", "01", "02", "03", "07", "", "01", "02"]
    assert texts[(0, 0)] == "经济分类" and next(c for c in fixed.cells if (c.row, c.col) == (0, 0)).colspan == 2


def test_repaired_table_yields_correctly_keyed_records(pm):
    a = run(pm, [table_of(SPLIT, title="一般公共预算财政拨款基本支出决算表")])
    codes = sorted(r.subject_code for r in a.records)
    assert codes == ["301", "30101", "30102", "30103", "30107", "302", "30201", "30202"]
    assert all(r.confidence > 0.9 for r in a.records)


def test_a_boundary_with_text_on_both_sides_is_not_merged_but_marked():
    rows = [r[:] for r in SPLIT]
    rows[7] = ["301", "9", "<", "07", "绩效工资", "20.00"]  # text left and right of a doubtful boundary
    rows[4] = ["301", "", "01", "5", "基本工资", "40.00"]
    t = table_of(rows, title="某表")
    assert repair_split_columns(t).n_cols == t.n_cols
    marked = {(r, c) for _t, r, c in doubtful_cells(t)}
    assert (4, 2) in marked and (4, 3) in marked and (4, 5) not in marked


def test_honest_tables_are_left_alone():
    rows = [["项目", "<", "<", "合计", "基本支出"],
            ["类", "款", "项", "^", "^"],
            ["合计", "<", "<", "10.00", "10.00"],
            ["201", "", "", "10.00", "10.00"],
            ["201", "06", "", "10.00", "10.00"],
            ["201", "06", "01", "10.00", "10.00"]]
    t = table_of(rows, title="某表")
    assert repair_split_columns(t) is t and split_code_cells(t) is t
    assert doubtful_cells(t) == [] and empty_header_cells(t) == []


def test_code_and_name_run_together_are_split_when_the_header_separates_them():
    rows = [["经济分类科目编码", "<", "科目名称", "合计"],
            ["类", "款", "^", "^"],
            ["301", "", "工资福利支出", "3.00"],
            ["301", "01", "基本工资", "1.00"],
            ["301", "08机关事业单位基本养老保险缴费", "<", "2.00"],
            ["302", "商品和服务支出", "<", "0.00"],
            ["302", "01", "办公费", "0.00"],
            ["合计", "<", "<", "3.00"]]
    base = table_of(rows, title="某表")
    # geometry: column boundaries at x = 10, 20, 30, 40
    cells = tuple(replace(c, bbox=BBox(10 * c.col, 10 * c.row, 10 * (c.col + c.colspan), 10 * c.row + 10))
                  for c in base.cells)
    t = split_code_cells(replace(base, cells=cells, bbox=BBox(0, 0, 40, 80)))
    texts = {(c.row, c.col): c.text for c in t.cells}
    assert (texts[(4, 1)], texts[(4, 2)]) == ("08", "机关事业单位基本养老保险缴费")
    assert (texts[(5, 1)], texts[(5, 2)]) == ("", "商品和服务支出")
    assert texts[(7, 0)] == "合计" and (7, 1) not in texts  # a total label keeps its span
    cut = next(c for c in t.cells if (c.row, c.col) == (4, 1))
    assert cut.bbox.x1 == 20


def test_an_empty_header_cell_beside_a_label_is_doubtful():
    rows = [["", "项目", "金额"],
            ["编码", "名称", "^"],
            ["201", "一般公共服务支出", "1.00"],
            ["202", "外交支出", "2.00"],
            ["203", "国防支出", "3.00"]]
    assert empty_header_cells(table_of(rows, title="某表")) == [("p001-t1", 0, 0)]


def test_a_continuation_read_with_the_wrong_column_map_is_never_confident(pm):
    head = table_of([["项目", "<", "合计"],  # a column the type names (an unnamed one is never confident)
                     ["科目编码", "科目名称", "^"],
                     ["201", "一般公共服务支出", "5.00"],
                     ["20101", "人大事务", "5.00"]], title="一般公共预算财政拨款支出决算表")
    # the continuation's grid lost the code column: names sit under 科目编码, codes under 科目名称 …
    cont = table_of([["一般公共服务支出", "201", "5.00"],
                     ["人大事务", "20101", "5.00"],
                     ["行政运行", "2010101", "5.00"]], id="p002-t1", page=2, continued=True)
    a = run(pm, [head, cont])
    lt = a.logical[0]
    assert set(lt.parts) == {"p001-t1", "p002-t1"}
    assert {ref[0] for ref in map_disagreements(lt)} == {"p002-t1"}
    assert all(r.confidence <= 0.5 for r in a.records if r.part == "p002-t1")
    head_records = [r for r in a.records if r.part == "p001-t1"]
    assert head_records and all(r.confidence >= 0.9 for r in head_records)  # confident at the default threshold
