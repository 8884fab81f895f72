"""基本支出 family (by 经济分类 subject): 一般公共预算财政拨款基本支出决算(明细)表 — the wide layout with two or three
code/name/amount groups side by side and 人员经费合计 / 公用经费合计 rows — and 一般公共预算基本支出部门预算经济分类
预算表 (合计 | 人员经费 | 公用经费)."""

from __future__ import annotations

from pipeline.tabletypes import CODE_COLUMNS, ColumnRule, TypeSpec, spec_family

COLUMNS: tuple[ColumnRule, ...] = (
    *CODE_COLUMNS,
    ColumnRule("personnel", ("人员经费",)),
    ColumnRule("public", ("公用经费",)),
    ColumnRule("total", ("合计", "小计")),
    ColumnRule("amount", ("决算数", "预算数", "金额")),
)

SPECS: tuple[TypeSpec, ...] = (
    TypeSpec("final.general_budget_basic_expenditure", "final", title_all=(("基本支出",), ("决算",)),
             header_all=(("经济分类",), ("决算数",)), columns=COLUMNS, checks=("hierarchy", "totals"),
             description="一般公共预算财政拨款基本支出决算(明细)表"),
    TypeSpec("budget.general_budget_basic_expenditure", "budget",
             title_all=(("基本支出", "经济分类"), ("预算表", "支出表")),
             title_none=("决算",),
             header_all=(("经济分类",), ("人员经费",), ("公用经费",)), columns=COLUMNS,
             checks=("hierarchy", "row:total=personnel+public"),
             description="一般公共预算基本支出(部门预算经济分类)预算表"),
)


Recognizer, register_recognizers = spec_family("basic-expenditure", SPECS, __name__)
