"""绩效 family: 项目支出绩效自评表 (final accounts) and 项目支出绩效目标表 (budgets).

A block of project facts (项目名称, 主管部门, 资金 年初预算数/全年预算数/全年执行数/分值/执行率/得分) above an indicator
block whose column-label row (一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 …) is found inside
the table; rows below it are indicators.
"""

from __future__ import annotations

from pipeline.tabletypes import ColumnRule, TypeSpec, spec_family

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

SPECS: tuple[TypeSpec, ...] = (
    TypeSpec("final.performance_self_eval", "final", title_all=(("绩效自评",),),
             header_all=(("一级指标",), ("得分",)), columns=COLUMNS, checks=("scores",),
             anchor=("一级指标", "二级指标"), description="项目支出绩效自评表"),
    TypeSpec("budget.performance_targets", "budget", title_all=(("绩效目标",),),
             header_all=(("一级指标",), ("指标值",)), header_none=("得分",), columns=COLUMNS,
             anchor=("一级指标", "二级指标"), description="项目支出绩效目标表"),
)


Recognizer, register_recognizers = spec_family("performance", SPECS, __name__)
