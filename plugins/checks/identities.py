"""Cross-table identities of one disclosure document (the ``check_document`` hook).

Totals that the standard tables print twice: the 总表's 本年收入/支出合计 against the 收入/支出 tables' 合计 row, the
财政拨款总表's fund columns against the per-fund tables, the 一般公共预算 expenditure's 基本支出 against the 基本支出
(经济分类) table, and each 类 of the function classification printed in a 总表 against the same 类 row of the
detailed table.  A rule applies only when both tables are in the document; nothing is assumed about page order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.document.checks.engine import CheckResult, Term, equality, evaluate, find_row, value_term
from pipeline.document.records import LogicalTable
from pipeline.tabletypes import norm

SUM_OF_TOTALS = "Σ合计"


@dataclass(frozen=True, slots=True)
class Cell:
    """A value selected in a table type: the row named ``row`` (or the Σ of the 合计 rows), column ``key``."""

    type: str
    row: tuple[str, ...]
    key: str


@dataclass(frozen=True, slots=True)
class Same:
    a: Cell
    b: Cell

    @property
    def rule(self) -> str:
        return f"same:{self.a.type}[{self.a.row[0]}].{self.a.key}={self.b.type}[{self.b.row[0]}].{self.b.key}"


@dataclass(frozen=True, slots=True)
class SameByClass:
    """Every 类 item of a 总表 side (numbered 一、二、…) equals the 类 row of the same name in a detailed table."""

    summary: str
    key: str
    detail: str
    detail_key: str


def _rules(kind: str) -> tuple[tuple[Same, ...], tuple[SameByClass, ...]]:
    f = kind
    same = (
        Same(Cell(f"{f}.summary", ("本年收入合计", "收入总计"), "income_amount"),
             Cell(f"{f}.income", ("合计",), "total")),
        Same(Cell(f"{f}.summary", ("本年支出合计", "支出总计"), "expenditure_amount"),
             Cell(f"{f}.expenditure", ("合计",), "total")),
        Same(Cell(f"{f}.fiscal_summary", ("本年支出合计", "支出总计"), "expenditure_general_budget"),
             Cell(f"{f}.general_budget_expenditure", ("合计",), "total")),
        Same(Cell(f"{f}.fiscal_summary", ("本年支出合计", "支出总计"), "expenditure_gov_fund"),
             Cell(f"{f}.gov_fund", ("合计",), "expenditure" if f == "final" else "total")),
        Same(Cell(f"{f}.fiscal_summary", ("本年支出合计", "支出总计"), "expenditure_state_capital"),
             Cell(f"{f}.state_capital", ("合计",), "expenditure" if f == "final" else "total")),
        Same(Cell(f"{f}.general_budget_expenditure", ("合计",), "basic"),
             Cell(f"{f}.general_budget_basic_expenditure", (SUM_OF_TOTALS,), "total" if f == "budget" else "amount")),
        Same(Cell(f"{f}.fiscal_summary", ("本年收入合计", "收入总计"), "income_amount"),
             Cell(f"{f}.income", ("合计",), "fiscal_appropriation")),
    )
    by_class = (
        SameByClass(f"{f}.summary", "expenditure_amount", f"{f}.expenditure", "total"),
        SameByClass(f"{f}.fiscal_summary", "expenditure_general_budget", f"{f}.general_budget_expenditure", "total"),
    )
    return same, by_class


def _table(tables: Sequence[LogicalTable], type_id: str) -> LogicalTable | None:
    return next((t for t in tables if t.type == type_id), None)


def total_terms(lt: LogicalTable, key: str) -> list[Term | None]:
    """The table's total as terms: its 合计 row, or its several 合计 rows (人员经费合计 + 公用经费合计)."""
    out: list[Term | None] = []
    for row in lt.rows:
        if not row.is_total:
            continue
        k = next((k for k in (key, "amount", "total") if k in row.values), None)
        if k is not None:
            out.append(value_term(row, k, lt))
    return out


def check_same(tables: Sequence[LogicalTable], rule: Same) -> CheckResult | None:
    ta, tb = _table(tables, rule.a.type), _table(tables, rule.b.type)
    if ta is None or tb is None:
        return None
    ra = find_row(ta, *rule.a.row)
    if rule.b.row != (SUM_OF_TOTALS,):
        return equality(rule.rule, ta, ra, rule.a.key, tb, find_row(tb, *rule.b.row), rule.b.key)
    parts = total_terms(tb, rule.b.key)
    if ra is None or rule.a.key not in ra.values or not parts:
        return None
    return evaluate(rule.rule, "", value_term(ra, rule.a.key, ta), parts)


def check_by_class(tables: Sequence[LogicalTable], rule: SameByClass) -> list[CheckResult]:
    summary, detail = _table(tables, rule.summary), _table(tables, rule.detail)
    if summary is None or detail is None:
        return []
    classes = {norm(r.name): r for r in detail.rows if len(r.code) == 3 and r.name}
    out = []
    for row in summary.rows:
        if row.depth != 1 or rule.key not in row.values:
            continue
        match = classes.get(norm(row.name))
        if match is None:
            continue
        res = equality(f"same-class:{rule.summary}.{rule.key}={rule.detail}.{rule.detail_key}", summary, row,
                       rule.key, detail, match, rule.detail_key)
        if res is not None:
            out.append(res)
    return out


@hookimpl
def check_document(tables: list[LogicalTable], config: PipelineConfig) -> list[CheckResult]:
    out: list[CheckResult] = []
    for kind in ("final", "budget"):
        same, by_class = _rules(kind)
        for rule in same:
            res = check_same(tables, rule)
            if res is not None:
                out.append(res)
        for rc in by_class:
            out.extend(check_by_class(tables, rc))
    return out
