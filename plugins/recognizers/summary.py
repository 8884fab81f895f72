"""总表 family: 收入支出决算总表, 财政拨款收入支出决算总表, 财务收支预算总表, 财政拨款收支预算总表.

Two halves side by side (收入 | 支出), items numbered 一、二、… with 1./(一) sub-items, then 本年…合计, carry-over
items and 总计.  Column keys: ``income_item``/``income_amount`` and ``expenditure_item``/``expenditure_amount``
(or, in the 财政拨款 总表, ``expenditure_total`` and one column per fund).
"""

from __future__ import annotations

from pipeline.tabletypes import ColumnRule, TypeSpec, spec_family

AMOUNT = ("决算数", "预算数", "金额", "预算", "决算")
SIDES: tuple[ColumnRule, ...] = (
    ColumnRule("income_item", ("项目",), within=("收入",)),
    ColumnRule("expenditure_item", ("项目",), within=("支出",)),
    ColumnRule("expenditure_general_budget", ("一般公共预算",), within=("支出",)),
    ColumnRule("expenditure_gov_fund", ("政府性基金",), within=("支出",)),
    ColumnRule("expenditure_state_capital", ("国有资本经营",), within=("支出",)),
    ColumnRule("expenditure_total", ("合计", "小计"), within=("支出",)),
    ColumnRule("income_amount", AMOUNT, within=("收入",)),
    ColumnRule("expenditure_amount", AMOUNT, within=("支出",)),
)
FUNDS = "row:expenditure_total=expenditure_general_budget+expenditure_gov_fund+expenditure_state_capital"
HEADER = (("收入",), ("支出",), ("项目",))

SPECS: tuple[TypeSpec, ...] = (
    TypeSpec("final.summary", "final", title_all=(("收入支出决算总表", "收支决算总表"),), title_none=("财政拨款",),
             header_all=(*HEADER, ("决算数",)), header_none=("一般公共预算财政拨款", "政府性基金预算财政拨款"),
             columns=SIDES, checks=("items",), description="收入支出决算总表"),
    TypeSpec("final.fiscal_summary", "final", title_all=(("财政拨款",), ("收入支出决算总表", "收支决算总表")),
             header_all=(*HEADER, ("一般公共预算财政拨款",), ("政府性基金",)),
             columns=SIDES, checks=("items", FUNDS), description="财政拨款收入支出决算总表"),
    TypeSpec("budget.summary", "budget", title_all=(("收支预算总表", "收入支出预算总表", "收支总表"),),
             title_none=("财政拨款", "决算"),
             header_all=(*HEADER, ("预算数",)), header_none=("一般公共预算财政拨款",),
             columns=SIDES, checks=("items",), description="(部门)财务收支预算总表"),
    TypeSpec("budget.fiscal_summary", "budget",
             title_all=(("财政拨款",), ("收支预算总表", "收入支出预算总表", "收支总表")), title_none=("决算",),
             header_all=(("财政拨款收入",), ("财政拨款支出",)),
             columns=SIDES, checks=("items", FUNDS), description="财政拨款收支预算总表"),
)


Recognizer, register_recognizers = spec_family("summary", SPECS, __name__)
