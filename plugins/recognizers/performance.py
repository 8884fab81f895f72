"""绩效 family: 项目支出绩效自评表 (final accounts) and 项目支出绩效目标表 (budgets).

A block of project facts (项目名称, 主管部门, 资金 年初预算数/全年预算数/全年执行数/分值/执行率/得分) above an indicator
block whose column-label row (一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 …) is found inside
the table; rows below it are indicators.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from pipeline import hookimpl
from pipeline.document.headers import top_left_cells
from pipeline.document.notes import Block, column_map
from pipeline.document.numbers import parse_value
from pipeline.interfaces import TableRecognizer
from pipeline.model import RecognizedTable, Table
from pipeline.tabletypes import ColumnRule, SpecRecognizer, TypeSpec, map_columns

COLUMNS: tuple[ColumnRule, ...] = (
    ColumnRule("level1_item", ("一级指标",)),
    ColumnRule("level2_item", ("二级指标",)),
    ColumnRule("name", ("三级指标",)),
    ColumnRule("target_value", ("年度指标值", "年初指标值", "指标值", "目标值")),
    ColumnRule("actual_value", ("实际完成值", "完成值")),
    ColumnRule("weight", ("分值",)),
    ColumnRule("score", ("得分",)),
    ColumnRule("note", ("偏差原因", "原因分析", "改进措施", "备注")),
    ColumnRule("indicator_nature", ("指标性质",)),
    ColumnRule("measure_unit", ("度量单位", "计量单位")),
)

FUNDS: tuple[ColumnRule, ...] = (
    ColumnRule("budget_initial", ("年初预算数",)),
    ColumnRule("budget_full_year", ("全年预算数", "调整后预算数")),
    ColumnRule("executed", ("全年执行数", "执行数", "实际支出")),
    ColumnRule("execution_rate", ("执行率",)),
    ColumnRule("weight", ("分值",)),
    ColumnRule("score", ("得分",)),
)

SPECS: tuple[TypeSpec, ...] = (
    TypeSpec("final.performance_self_eval", "final", title_all=(("绩效自评",),),
             header_all=(("一级指标",), ("得分",)), columns=COLUMNS, checks=("scores", "rate", "block_total"),
             anchor=("一级指标", "二级指标"), description="项目支出绩效自评表"),
    TypeSpec("budget.performance_targets", "budget", title_all=(("绩效目标",),),
             header_all=(("一级指标",), ("指标值",)), header_none=("得分",), columns=COLUMNS,
             anchor=("一级指标", "二级指标"), description="项目支出绩效目标表"),
)


def funds_block(table: Table, before: int) -> Block | None:
    """The 资金 block above the indicator rows: a label row with 年初预算数 / 全年预算数 / 全年执行数 / 执行率 …, the
    rows below it that hold numbers (年度资金总额, 其中：财政拨款, 其他资金), the first labelled column naming them."""
    cells = top_left_cells(table)
    for r in range(before):
        labels = {c: [cells[(r, c)].text.strip()] for c in range(table.n_cols) if (r, c) in cells
                  and cells[(r, c)].text.strip()}
        keys = map_columns(FUNDS, labels)
        if len(set(keys.values()) & {"budget_initial", "budget_full_year", "executed", "execution_rate"}) < 2:
            continue
        first_value = min(keys)
        name_col = max((c for c in labels if c < first_value), default=None)
        rows = []
        for rr in range(r + 1, before):
            if not any((rr, c) in cells and parse_value(cells[(rr, c)].text)[0] == "value" for c in keys):
                break
            rows.append(rr)
        if not rows:
            return None
        columns = {**keys, **({name_col: "name"} if name_col is not None else {})}
        return Block(rows=tuple(rows), columns=column_map(columns),
                     labels=tuple((c, labels[c][0]) for c in keys))
    return None


class Recognizer(SpecRecognizer):
    """The family's specs, plus the 资金 block of a 绩效自评表 as a labelled block of records."""

    name: ClassVar[str] = "performance"
    specs = SPECS

    def recognize(self, table: Table) -> RecognizedTable:
        rec = super().recognize(table)
        anchor = rec.header_rows
        block = funds_block(table, int(anchor) - 1) if isinstance(anchor, int) else None
        if block is None:
            return rec
        return replace(rec, blocks=(block,))


@hookimpl
def register_recognizers() -> list[type[TableRecognizer]]:
    return [Recognizer]
