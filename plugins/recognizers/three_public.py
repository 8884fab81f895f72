"""“三公”经费 family: 财政拨款“三公”经费支出决算表 (预算数 | 决算数 blocks), “三公”经费(和机关运行经费)预算表, and
部门决算公开相关信息统计表 / 机关运行经费 tables, and 政府采购预算表."""

from __future__ import annotations

from pipeline.tabletypes import ColumnRule, TypeSpec, spec_family

COLUMNS: tuple[ColumnRule, ...] = (
    ColumnRule("vehicle", ("购置及运行", "购置及运行维护")),
    ColumnRule("vehicle", ("小计",), within=("公务用车",)),
    ColumnRule("vehicle_purchase", ("公务用车购置费", "购置费")),
    ColumnRule("vehicle_operation", ("公务用车运行费", "运行维护费", "运行费")),
    ColumnRule("outbound", ("因公出国", "出国(境)费", "出国")),
    ColumnRule("reception", ("公务接待费", "接待费")),
    ColumnRule("operating_costs", ("机关运行经费",)),
    ColumnRule("total", ("合计",)),
)
RULES = ("row:total=outbound+vehicle+reception", "row:vehicle=vehicle_purchase+vehicle_operation")
STATS_COLUMNS: tuple[ColumnRule, ...] = (
    ColumnRule("name", ("项目", "名称")),
    ColumnRule("unit_label", ("单位", "计量单位"), exact=True),
    ColumnRule("amount.budget", ("预算数",)),
    ColumnRule("amount.final", ("决算数", "统计数", "数量")),
)

SPECS: tuple[TypeSpec, ...] = (
    TypeSpec("final.three_public", "final", title_all=(("三公",), ("决算",)),
             header_all=(("因公出国",), ("公务接待",)), columns=COLUMNS, checks=RULES, measures=True,
             description="财政拨款“三公”经费支出决算表"),
    TypeSpec("budget.three_public", "budget", title_all=(("三公", "机关运行经费"), ("预算",)),
             header_all=(("因公出国",), ("公务接待",)), columns=COLUMNS, checks=RULES, measures=True,
             description="“三公”经费(和机关运行经费)预算表"),
    TypeSpec("budget.procurement", "budget", title_all=(("政府采购",), ("预算",)), title_none=("决算",),
             columns=(ColumnRule("name", ("项目名称", "采购项目", "项目", "名称")),
                      ColumnRule("total", ("合计", "总计", "预算金额", "采购预算")),
                      ColumnRule("amount", ("金额",))),
             description="政府采购预算(明细)表"),
    TypeSpec("final.disclosure_stats", "final",
             title_all=(("相关信息统计表", "机关运行经费", "信息统计表"),), title_none=("三公",),
             header_all=(("项目",), ("机关运行经费", "政府采购")), columns=STATS_COLUMNS,
             description="部门决算公开相关信息统计表 / 机关运行经费支出决算表"),
)


Recognizer, register_recognizers = spec_family("three-public", SPECS, __name__)
