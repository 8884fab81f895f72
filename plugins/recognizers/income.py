"""收入表 family: 收入决算表 and (部门)收入预算(总)表, by 功能分类 subject (joined or 类/款/项 codes)."""

from __future__ import annotations

from pipeline.tabletypes import CODE_COLUMNS, ColumnRule, TypeSpec, spec_family

COLUMNS: tuple[ColumnRule, ...] = (
    *CODE_COLUMNS,
    ColumnRule("total", ("本年收入合计", "收入合计", "合计", "总计")),
    ColumnRule("fiscal_appropriation", ("财政拨款收入", "财政拨款")),
    ColumnRule("superior_subsidy", ("上级补助收入",)),
    ColumnRule("operating_income", ("事业单位经营收入", "经营收入")),
    ColumnRule("business_income", ("事业收入",)),
    ColumnRule("affiliated_remittance", ("附属单位上缴收入",)),
    ColumnRule("other_income", ("其他收入",)),
    ColumnRule("carryover_begin", ("上年结转", "年初结转", "用事业基金弥补收支差额")),
)
ROW = ("row:total=fiscal_appropriation+superior_subsidy+business_income+operating_income+affiliated_remittance"
       "+other_income+carryover_begin")

SPECS: tuple[TypeSpec, ...] = (
    TypeSpec("final.income", "final", title_all=(("收入决算表",),), title_none=("支出",),
             header_all=(("本年收入合计", "收入合计"), ("财政拨款收入",)), header_none=("基本支出",),
             columns=COLUMNS, checks=("hierarchy", ROW), description="收入决算表"),
    TypeSpec("budget.income", "budget", title_all=(("收入预算表", "收入预算总表", "收入预算", "收入总表"),),
             title_none=("支出", "决算"),
             header_all=(("收入预算",), ("财政拨款收入", "财政拨款")), header_none=("基本支出",),
             columns=COLUMNS, checks=("hierarchy", ROW), description="部门收入预算(总)表"),
)


Recognizer, register_recognizers = spec_family("income", SPECS, __name__)
