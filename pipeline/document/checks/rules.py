"""The within-table check rules, by name (:data:`RULES`; the engine is :mod:`pipeline.document.checks.engine`).

Within-table rules are named in each type's :class:`~pipeline.tabletypes.TypeSpec` ``checks``:

* ``hierarchy`` — 类 = Σ 款, 款 = Σ 项 (children by code prefix), and a 合计 row = Σ 类 rows, per value column;
* ``row:T=A+B-C`` — a row identity between value columns (``T``, ``A``… canonical keys; applied to each measure
  suffix present, e.g. ``total.budget``/``total.final``);
* ``items`` — in 总表 halves: 本年…合计 = Σ 一、二、… items above it, 总计 = 本年合计 + the un-numbered items between
  them, an item = Σ its numbered sub-items, and 收入总计 = 支出总计 across the halves;
* ``totals`` — Σ of a table's ``合计`` rows (人员经费合计 + 公用经费合计) = Σ 类 rows;
* ``scores`` — performance tables: 得分 ≤ 分值 per indicator, 总分 = Σ 得分;
* ``rate`` — 执行率 = 全年执行数 / 全年预算数 (as printed, in percent);
* ``block_total`` — in a labelled block of a 绩效自评表 (资金), 年度资金总额 = Σ the rows below it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from pipeline.document.checks.engine import (
    CheckResult,
    CheckStatus,
    Term,
    evaluate,
    term_of,
    value_term,
)
from pipeline.document.records import LogicalTable, Row

#: the lengths of 政府收支分类 subject codes: 类 201, 款 20101, 项 2010101
CODE_LENGTHS = (3, 5, 7)


def broken_block(coded: Sequence[Row], parent: Row) -> bool:
    """Does a coded row under ``parent`` (in its column group, before the next row at its level or above) carry a
    code that cannot be one of its descendants (2301 under 213: 21301 misread)?  Then a child is missing from the
    sum under any code, and the hierarchy check of ``parent`` would fail on a misread code and blame its right
    values: it is not run (the misread code itself is doubted by its own reading and the grid rules)."""
    same = [r for r in coded if r.group == parent.group]  # the rows of its column group (a table's halves)
    start = next(i for i, r in enumerate(same) if r is parent) + 1
    for r in same[start:]:
        if len(r.code) in CODE_LENGTHS and len(r.code) <= len(parent.code):
            return False  # the next block begins
        if len(r.code) not in CODE_LENGTHS or not r.code.startswith(parent.code):
            return True
    return False


def check_hierarchy(lt: LogicalTable) -> list[CheckResult]:
    out: list[CheckResult] = []
    coded = [r for r in lt.rows if r.code]
    by_code: dict[str, Row] = {}
    for r in coded:
        by_code.setdefault(r.code, r)
    keys = lt.value_keys()
    for parent in by_code.values():
        if len(parent.code) not in (3, 5) or broken_block(coded, parent):
            continue
        children = [r for c, r in by_code.items() if len(c) == len(parent.code) + 2 and c.startswith(parent.code)]
        if not children:
            continue
        for key in keys:
            res = evaluate(f"hierarchy:{parent.level or parent.code}={key}", lt.id, value_term(parent, key, lt),
                           [value_term(ch, key, lt) for ch in children])
            if res is not None:
                out.append(res)
    top = [r for r in by_code.values() if len(r.code) == 3]
    totals = [r for r in lt.rows if r.is_total and r.name.strip() in ("合计", "总计")]
    if top and totals:
        for key in keys:
            res = evaluate(f"hierarchy:合计={key}", lt.id, value_term(totals[0], key, lt),
                           [value_term(r, key, lt) for r in top])
            if res is not None:
                out.append(res)
    return out


_ROW_RULE = re.compile(r"^row:(\w+)=(.+)$")


MEASURES = ("", ".budget", ".final")


def check_row_rule(lt: LogicalTable, rule: str) -> list[CheckResult]:
    m = _ROW_RULE.match(rule)
    if not m:
        raise ValueError(f"bad row rule {rule!r}")
    total_key = m.group(1)
    parts = [(1 if sign in ("", "+") else -1, key) for sign, key in re.findall(r"([+-]?)(\w+)", m.group(2))]
    out: list[CheckResult] = []
    present = set(lt.columns.values())
    for suffix in MEASURES:
        tk = total_key + suffix
        if tk not in present or not any(k + suffix in present for _s, k in parts):
            continue
        for row in lt.rows:
            if not row.values or not any(k.endswith(suffix) for k in row.values):
                continue
            terms = [value_term(row, k + suffix, lt, s) for s, k in parts if k + suffix in present]
            res = evaluate(f"row:{tk}", lt.id, value_term(row, tk, lt), terms)
            if res is not None:
                out.append(res)
    return out


def _side_rows(lt: LogicalTable) -> dict[int, list[Row]]:
    sides: dict[int, list[Row]] = {}
    for r in lt.rows:
        sides.setdefault(r.group, []).append(r)
    return sides


def check_items(lt: LogicalTable) -> list[CheckResult]:
    """总表 halves: 本年合计 = Σ numbered items above it; 总计 = 本年合计 + un-numbered items between them;
    a numbered item = Σ its sub-items; the halves' 总计 agree."""
    out: list[CheckResult] = []
    grand: list[Term] = []
    for rows in _side_rows(lt).values():
        keys = [k for k in lt.value_keys() if any(k in r.values for r in rows)]
        totals = [i for i, r in enumerate(rows) if r.is_total]
        for key in keys:
            if totals:
                first = totals[0]
                items = [r for r in rows[:first] if r.depth == 1]
                res = _items_or_unnumbered(lt, f"items:{rows[first].name}={key}", rows[first], items,
                                           [r for r in rows[:first] if r.depth == 0 and not r.is_total], key)
                if res is not None:
                    out.append(res)
                # sub-items: depth-2 rows under a depth-1 item (before the first total)
                out.extend(_sub_items(lt, rows[:first], key, child_depth=2))
                if len(totals) > 1:
                    last = totals[-1]
                    between = breakdown_depths(rows[first + 1:last], rows[:first])
                    heads = [r for r in between if r.depth == 0]
                    res = evaluate(f"items:{rows[last].name}={key}", lt.id, value_term(rows[last], key, lt),
                                   [value_term(rows[first], key, lt)] + [value_term(r, key, lt) for r in heads])
                    if res is not None:
                        out.append(res)
                    out.extend(_sub_items(lt, between, key, child_depth=1, parent_depth=0))
        if totals and keys:
            t = value_term(rows[totals[-1]], keys[0], lt)
            if t is not None and t.text:
                grand.append(t)
    if len(grand) == 2:
        res = evaluate("items:收入总计=支出总计", lt.id, grand[0], [grand[1]])
        if res is not None:
            out.append(res)
    return out


def _items_or_unnumbered(lt: LogicalTable, rule: str, total: Row, items: Sequence[Row],
                         unnumbered: Sequence[Row], key: str) -> CheckResult | None:
    """本年合计 = Σ numbered items; when that fails but passes exactly once the un-numbered rows above the total
    are added, the failure lies with the reading of an ordinal (一、 misread or dropped turns an item into an
    un-numbered row), not with a printed figure: the check with those rows is the one reported."""
    res = evaluate(rule, lt.id, value_term(total, key, lt), [value_term(r, key, lt) for r in items])
    extra = [r for r in unnumbered if key in r.values]
    if res is None or res.status != "fail" or not extra:
        return res
    wide = evaluate(rule, lt.id, value_term(total, key, lt), [value_term(r, key, lt) for r in [*items, *extra]])
    return wide if wide is not None and wide.status == "pass" else res


#: the three 财政拨款 funds (the income items of a 财政拨款收入支出总表, and the breakdown of its 结转和结余)
FUNDS = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")


def breakdown_depths(between: Sequence[Row], items: Sequence[Row]) -> list[Row]:
    """The rows between 本年合计 and 总计, an un-numbered row that repeats the name of a numbered item above
    本年合计 made a sub-item (depth 1) of the row before it.  The Ministry of Finance's 财政拨款收入支出决算总表
    breaks 年初财政拨款结转和结余 down by fund, printing the fund names of the income items without an ordinal
    (一般公共预算财政拨款 under it), where other layouts number them (一、一般公共预算财政拨款): either way they are
    parts of the row above, not further items of 总计.  The fund names count as repeated even when the items above
    were misread."""
    from pipeline.document.headers import norm

    names = [n for n in (*(norm(r.name) for r in items if r.depth == 1), *FUNDS) if len(n) >= 4]
    out: list[Row] = []
    for r in between:
        n = norm(r.name)
        repeats = len(n) >= 4 and any(n == m or n in m or m in n for m in names)
        out.append(replace(r, depth=1) if r.depth == 0 and repeats and out else r)
    return out


def _sub_items(lt: LogicalTable, rows: Sequence[Row], key: str, child_depth: int,
               parent_depth: int | None = None) -> list[CheckResult]:
    out = []
    pd = child_depth - 1 if parent_depth is None else parent_depth
    i = 0
    while i < len(rows):
        if rows[i].depth == pd and not rows[i].is_total:
            j = i + 1
            kids = []
            while j < len(rows) and rows[j].depth == child_depth:
                kids.append(rows[j])
                j += 1
            if kids:
                res = evaluate(f"items:{rows[i].name}={key}", lt.id, value_term(rows[i], key, lt),
                               [value_term(k, key, lt) for k in kids])
                if res is not None:
                    out.append(res)
            i = j
        else:
            i += 1
    return out


def check_totals(lt: LogicalTable) -> list[CheckResult]:
    """Σ of the 合计 rows (e.g. 人员经费合计 + 公用经费合计) = Σ 类 rows, over all column groups."""
    totals = [r for r in lt.rows if r.is_total]
    top = [r for r in lt.rows if len(r.code) == 3]
    if not totals or not top:
        return []
    tterms = [value_term(r, _first_value_key(lt, r.group), lt) for r in totals]
    pterms = [value_term(r, _first_value_key(lt, r.group), lt) for r in top]
    anchor, *others = tterms
    if anchor is None or any(t is None for t in others):
        return []
    # Σ totals = Σ 类: the first total is the anchor, the other totals move to the parts side with sign −1
    moved = [replace(t, sign=-1) for t in others if t is not None]
    res = evaluate("totals:Σ合计=Σ类", lt.id, anchor, [*pterms, *moved])
    return [res] if res is not None else []


def _first_value_key(lt: LogicalTable, group: int) -> str:
    from pipeline.document.records import column_groups, is_identity

    groups = column_groups(lt.columns)
    return next((k for c, k in sorted(lt.columns.items()) if groups.get(c) == group and not is_identity(k)), "")


def check_scores(lt: LogicalTable) -> list[CheckResult]:
    out: list[CheckResult] = []
    if "score" not in lt.columns.values():
        return out
    rows = [r for r in lt.rows if "score" in r.values]
    for r in rows:
        if r.is_total or "weight" not in r.values:
            continue
        res = evaluate("scores:得分≤分值", lt.id, value_term(r, "weight", lt), [value_term(r, "score", lt)],
                       relation="le")
        if res is not None:
            out.append(res)
    total = next((r for r in rows if r.is_total or "总分" in r.name), None)
    items = [r for r in rows if r is not total and "weight" in r.values]
    if total is not None and items:
        res = evaluate("scores:总分=Σ得分", lt.id, value_term(total, "score", lt),
                       [value_term(r, "score", lt) for r in items])
        if res is not None:
            out.append(res)
    return out


def check_rate(lt: LogicalTable) -> list[CheckResult]:
    """执行率 = 全年执行数 / 全年预算数 (percent, as printed: rounded to the rate's decimals)."""
    out: list[CheckResult] = []
    for r in lt.rows:
        rate, done, plan = (r.values.get(k) for k in ("execution_rate", "executed", "budget_full_year"))
        if rate is None or done is None or plan is None:
            continue
        if rate.value is None or done.value is None or not plan.value:
            continue
        unit = Decimal(1).scaleb(-rate.decimals)
        computed = (done.value / plan.value * 100).quantize(unit, rounding=ROUND_HALF_UP)
        diff = computed - rate.value
        status: CheckStatus = "pass" if diff == 0 else "rounding" if abs(diff) <= unit else "fail"
        t_rate, t_done, t_plan = term_of(rate), term_of(done), term_of(plan)
        assert t_rate is not None and t_done is not None and t_plan is not None
        out.append(CheckResult(rule="rate:执行率=执行数/预算数", table=lt.id, total=t_rate, parts=(t_done, t_plan),
                               expected=rate.value, found=computed, difference=diff, status=status))
    return out


def check_block_total(lt: LogicalTable) -> list[CheckResult]:
    """In a labelled block (资金: 年度资金总额, 其中 财政拨款, 其他资金), the first row = Σ the rows below it."""
    out: list[CheckResult] = []
    blocks: dict[int, list[Row]] = {}
    for r in lt.rows:
        if r.block >= 0:
            blocks.setdefault(r.block, []).append(r)
    for rows in blocks.values():
        if len(rows) < 3:
            continue
        head, *parts = rows
        for key in ("budget_initial", "budget_full_year", "executed"):
            if key not in head.values:
                continue
            res = evaluate(f"block:{head.name}={key}", lt.id, value_term(head, key, lt),
                           [value_term(p, key, lt) for p in parts])
            if res is not None:
                out.append(res)
    return out


RULES = {"hierarchy": check_hierarchy, "items": check_items, "totals": check_totals, "scores": check_scores,
         "rate": check_rate, "block_total": check_block_total}


def run_table_checks(lt: LogicalTable, rules: Iterable[str]) -> list[CheckResult]:
    out: list[CheckResult] = []
    for rule in rules:
        if rule.startswith("row:"):
            out.extend(check_row_rule(lt, rule))
        elif rule in RULES:
            out.extend(RULES[rule](lt))
        else:
            raise ValueError(f"unknown check rule {rule!r}")
    return out
