"""Logical tables, rows and the analysis are values: their mappings are read-only copies, so no step (a check
rule, a plugin, the review) can change what another step sees."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from pipeline.document.numbers import parse_value
from pipeline.document.records import LogicalTable, Row, ValueCell
from tests.fiscal.tables import EXPENDITURE_ROWS, run, table_of


def _cell(key: str, text: str) -> ValueCell:
    status, value = parse_value(text)
    return ValueCell(part="p001-t1", row=3, col=4, key=key, label=key, text=text, status=status, value=value,
                     decimals=2, confidence=0.99)


def test_row_values_are_a_read_only_copy():
    source = {"total": _cell("total", "1.00")}
    row = Row(part="p001-t1", page=1, row=3, group=0, code="201", level="类", name="一般公共服务支出", depth=0,
              is_total=False, values=source)
    source["basic"] = _cell("basic", "2.00")  # the caller's dict is not the row's
    assert list(row.values) == ["total"]
    with pytest.raises(TypeError):
        row.values["basic"] = source["basic"]  # type: ignore[index]
    moved = replace(row, depth=1)  # a replaced row stays read-only and equal in its values
    assert moved.values == row.values
    with pytest.raises(TypeError):
        moved.values["basic"] = source["basic"]  # type: ignore[index]


def test_logical_table_mappings_are_read_only_copies():
    columns, labels = {0: "code", 1: "name", 2: "total"}, {2: "合计"}
    lt = LogicalTable(id="p001-t1", type="t.x", pages=(1,), parts=("p001-t1",), columns=columns, unit="万元",
                      rows=(), labels=labels)
    columns[3] = "basic"
    labels[3] = "基本支出"
    assert dict(lt.columns) == {0: "code", 1: "name", 2: "total"} and dict(lt.labels) == {2: "合计"}
    for mapping in (lt.columns, lt.labels, lt.label_cells):
        with pytest.raises(TypeError):
            mapping[9] = "x"  # type: ignore[index]
    assert lt.value_keys() == ["total"]


def test_an_analysis_is_read_only_all_the_way_down(pm):
    analysis = run(pm, [table_of(EXPENDITURE_ROWS, title="支出决算表")])
    assert analysis.logical and analysis.records
    for field in (analysis.tables, analysis.logical, analysis.table_checks, analysis.cross_checks,
                  analysis.records):
        assert isinstance(field, tuple)
    for lt in analysis.logical:
        for mapping in (lt.columns, lt.labels, lt.label_cells):
            with pytest.raises(TypeError):
                mapping[0] = "x"  # type: ignore[index]
        for row in lt.rows:
            with pytest.raises(TypeError):
                row.values["total"] = _cell("total", "0.00")  # type: ignore[index]
    total = next(r for r in analysis.records if r.subject_name == "合计" and r.column == "total")
    assert total.value == Decimal("1046.09")
