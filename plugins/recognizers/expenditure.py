"""支出表 family (by 功能分类 subject): 支出决算表 / 部门支出预算(总)表, 一般公共预算财政拨款支出决算表 /
一般公共预算支出功能分类预算表, the 政府性基金 / 国有资本经营 预算财政拨款(收入)支出 tables, 财政拨款支出预算表 and
项目支出(预算)表."""

from __future__ import annotations

from pipeline.tabletypes import CODE_COLUMNS, ColumnRule, TypeSpec, spec_family

COLUMNS: tuple[ColumnRule, ...] = (
    *CODE_COLUMNS,
    ColumnRule("carryover_begin", ("年初结转和结余", "年初结转", "上年结转")),
    ColumnRule("carryover_end", ("年末结转和结余", "年末结转")),
    ColumnRule("income", ("本年收入",)),
    ColumnRule("total", ("本年支出合计", "支出合计", "合计", "总计"), exclude=("本年支出/",)),
    ColumnRule("expenditure", ("小计", "合计"), within=("本年支出",)),
    ColumnRule("expenditure", ("本年支出",)),
    ColumnRule("basic", ("基本支出",)),
    ColumnRule("project", ("项目支出",)),
    ColumnRule("remit_superior", ("上缴上级支出",)),
    ColumnRule("operating_expenditure", ("事业单位经营支出", "经营支出")),
    ColumnRule("affiliated_subsidy", ("对附属单位补助支出",)),
)
#: 一般公共预算财政拨款支出决算表: 本年支出 is its only measure, so the 小计 (or 合计) under it is the table's total,
#: whichever of the two the layout prints (the Ministry of Finance's own 小计, local 合计 without 本年支出 above).
GENERAL_COLUMNS: tuple[ColumnRule, ...] = (ColumnRule("total", ("小计", "合计"), within=("本年支出",)), *COLUMNS)
ROW = "row:total=basic+project+remit_superior+operating_expenditure+affiliated_subsidy"
FUND_ROWS = ("row:expenditure=basic+project", "row:carryover_end=carryover_begin+income-expenditure")
FUND_HEADER = (("基本支出",), ("项目支出",))

SPECS: tuple[TypeSpec, ...] = (
    TypeSpec("final.expenditure", "final", title_all=(("支出决算表",),),
             title_none=("收入", "财政拨款", "一般公共预算", "基本支出", "政府性基金", "国有资本", "三公", "机关运行",
                         "项目支出"),
             header_all=(("本年支出合计",), ("基本支出",), ("项目支出",)), header_none=("本年收入",),
             columns=COLUMNS, checks=("hierarchy", ROW), description="支出决算表"),
    TypeSpec("budget.expenditure", "budget", title_all=(("支出预算表", "支出预算总表", "支出预算", "支出总表"),),
             title_none=("收入", "财政拨款", "一般公共预算", "基本支出", "政府性基金", "国有资本", "三公", "收支",
                         "项目支出", "机关运行"),
             header_all=(("支出预算",), ("基本支出",), ("项目支出",)),
             header_none=("一般公共预算支出", "政府性基金预算支出", "国有资本经营预算支出"),
             columns=COLUMNS, checks=("hierarchy", ROW), description="部门支出预算(总)表"),
    TypeSpec("final.general_budget_expenditure", "final",
             title_all=(("一般公共预算",), ("支出决算表",)), title_none=("基本支出", "收入", "三公"),
             header_all=FUND_HEADER, columns=GENERAL_COLUMNS, checks=("hierarchy", ROW),
             description="一般公共预算财政拨款支出决算表"),
    TypeSpec("budget.general_budget_expenditure", "budget",
             title_all=(("一般公共预算",), ("支出",), ("预算表", "支出表")),
             title_none=("基本支出", "经济分类", "收入", "三公", "决算"),
             header_all=(("一般公共预算支出",), *FUND_HEADER), columns=COLUMNS, checks=("hierarchy", ROW),
             description="一般公共预算支出功能分类预算表"),
    TypeSpec("budget.fiscal_expenditure", "budget", title_all=(("财政拨款",), ("支出预算表", "支出表")),
             title_none=("收支", "收入", "总表", "决算", "三公", "基本支出", "一般公共预算", "政府性基金", "国有资本"),
             columns=(*COLUMNS, ColumnRule("general_budget", ("一般公共预算",)),
                      ColumnRule("gov_fund", ("政府性基金",)), ColumnRule("state_capital", ("国有资本经营",))),
             checks=("hierarchy",), description="财政拨款支出预算表 (功能分类, by fund)"),
    TypeSpec("budget.project_expenditure", "budget", title_all=(("项目支出",), ("预算表", "支出表", "明细表")),
             title_none=("绩效", "决算", "基本支出"),
             columns=(ColumnRule("name", ("项目名称", "项目")), *COLUMNS,
                      ColumnRule("general_budget", ("一般公共预算",)), ColumnRule("gov_fund", ("政府性基金",))),
             description="项目支出(预算)表"),
    TypeSpec("final.gov_fund", "final", title_all=(("政府性基金",), ("决算表",)),
             header_all=(("年初结转",), ("本年收入",), ("本年支出",)), columns=COLUMNS,
             checks=("hierarchy", *FUND_ROWS),
             description="政府性基金预算财政拨款收入支出决算表"),
    TypeSpec("budget.gov_fund", "budget", title_all=(("政府性基金",), ("预算表", "支出表")), title_none=("决算",),
             header_all=(("政府性基金预算支出",), *FUND_HEADER), columns=COLUMNS, checks=("hierarchy", ROW),
             description="政府性基金预算支出(功能分类)预算表"),
    TypeSpec("final.state_capital", "final", title_all=(("国有资本经营",), ("决算表",)),
             header_all=(("年初结转",), ("本年收入",), ("本年支出",)), columns=COLUMNS,
             checks=("hierarchy", *FUND_ROWS),
             description="国有资本经营预算财政拨款(收入)支出决算表"),
    TypeSpec("budget.state_capital", "budget", title_all=(("国有资本经营",), ("预算表", "支出表")),
             title_none=("决算",),
             header_all=(("国有资本经营预算支出",), *FUND_HEADER), columns=COLUMNS, checks=("hierarchy", ROW),
             description="国有资本经营预算支出(功能分类)预算表"),
)


Recognizer, register_recognizers = spec_family("expenditure", SPECS, __name__)
