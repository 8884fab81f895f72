"""Checks that need no template: what any table of amounts obeys, whatever its title or type.

* **hierarchy** — in any table with subject codes (typed or not) whose type does not declare it already:
  类 = Σ 款 = Σ 项 by code prefix, 合计 = Σ 类 (:func:`pipeline.document.checks.rules.check_hierarchy`);
* **total rows** — in an uncoded table without a typed item rule: a 小计 row = Σ the rows since the previous
  total; a 合计 / 总计 row = Σ the 小计 rows above it, or else Σ the rows since the previous total (only the
  outermost numbered items 一、二、… when the rows are numbered; none when numbered and un-numbered rows mix;
  "其中" rows are breakdowns, not items);
* **discovered column identities** — a value column equal to the sum of a run of adjacent columns (right after
  it, or right before it) on nearly every row of the table becomes a check on every row.  "Nearly every": at
  least ``MIN_SUPPORT`` rows where it holds with two or more non-zero parts (a real sum, not a coincidence of
  equal or empty columns) and failures on at most one row in ten (the misreads the check is there to find);
  among the runs that qualify the one holding on most rows wins, ties to the longest.  Columns a typed row rule
  already totals are skipped;
* **same amount in two tables** (document level) — the (subject code, column label) amount printed in two
  tables must agree, for each pair of tables (and label) that agree on nearly all the codes they share (same
  support and tolerance as above: tables whose same-named columns measure different funds never qualify).

All are ordinary :class:`~pipeline.document.checks.engine.CheckResult` s, fused into confidence like typed checks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pipeline.document.checks.engine import CheckResult, evaluate, value_term
from pipeline.document.checks.rules import check_hierarchy
from pipeline.document.records import LogicalTable, Row, column_groups, is_identity

MIN_SUPPORT = 3
#: at most this share of the evaluable rows may fail a discovered identity (at least one row)
FAIL_SHARE = 0.1


def _tolerated(fails: int, n: int) -> bool:
    return fails <= max(1, int(FAIL_SHARE * n))


def template_free_checks(lt: LogicalTable, rules: Sequence[str]) -> list[CheckResult]:
    out: list[CheckResult] = []
    # printed codes (a code column), not the 类 codes a 总表's items take by name
    coded = any(k.startswith("code") for k in lt.columns.values()) and any(r.code for r in lt.rows)
    if coded and "hierarchy" not in rules:
        out.extend(check_hierarchy(lt))
    if not coded and not {"items", "totals", "hierarchy", "block_total", "scores"} & set(rules):
        out.extend(total_rows(lt))
    out.extend(discovered_identities(lt, rules))
    return out


# ----------------------------------------------------------------------------------------------- total rows


def _value_keys(lt: LogicalTable, rows: Sequence[Row]) -> list[str]:
    return [k for k in lt.value_keys() if any(k in r.values for r in rows)]


def _items(rows: Sequence[Row]) -> list[Row] | None:
    """The rows a total sums: all of them when none is numbered, the outermost numbered ones when all are;
    None when numbered and un-numbered rows mix (an ordinal the reading dropped makes the structure unknown)."""
    items = [r for r in rows if not r.is_total and not r.name.startswith("其中")]
    depths = {r.depth for r in items}
    if not depths or depths == {0}:
        return items
    if 0 in depths:
        return None
    return [r for r in items if r.depth == min(depths)]


def total_rank(name: str) -> int:
    """3 for a 总计 row, 2 for 合计, 1 for 小计, 0 for anything else (the word must end the row's label:
    "车辆数合计(辆)" names a count, not a sum of the rows above)."""
    from pipeline.tabletypes import norm

    n = norm(name)
    return next((rank for rank, word in ((3, "总计"), (2, "合计"), (1, "小计")) if n.endswith(word)), 0)


def total_rows(lt: LogicalTable) -> list[CheckResult]:
    """Each total row = Σ the lower-ranked totals since the last total of its rank or higher + the items after
    the last of them (小计 = its items; 合计 = Σ 小计 (+ items after); 总计 = 本年合计 + 结转 items)."""
    out: list[CheckResult] = []
    by_group: dict[int, list[Row]] = defaultdict(list)
    for r in lt.rows:
        by_group[r.group].append(r)
    for rows in by_group.values():
        for i, row in enumerate(rows):
            rank = total_rank(row.name) if row.is_total else 0
            if not rank:
                continue
            start = next((j + 1 for j in range(i - 1, -1, -1) if total_rank(rows[j].name) >= rank), 0)
            lower = [j for j in range(start, i) if 0 < total_rank(rows[j].name) < rank]
            items = _items(rows[(lower[-1] + 1 if lower else start):i])
            parts = [rows[j] for j in lower] + (items or [])
            if items is None or not parts:
                continue
            for key in _value_keys(lt, [row]):
                res = evaluate(f"total:{row.name}={key}", lt.id, value_term(row, key, lt),
                               [value_term(p, key, lt) for p in parts])
                if res is not None:
                    out.append(res)
    return out


# -------------------------------------------------------------------------------------- discovered identities


def _runs(keys: Sequence[str], i: int) -> list[list[str]]:
    """Runs of two or more adjacent columns right after ``keys[i]`` or right before it."""
    after = [list(keys[i + 1:j]) for j in range(i + 3, len(keys) + 1)]
    before = [list(keys[j:i]) for j in range(i - 2, -1, -1)]
    return after + before


def _identity_rows(lt: LogicalTable, total: str, parts: list[str]) -> list[CheckResult]:
    out = []
    for row in lt.rows:
        if total not in row.values and not any(p in row.values for p in parts):
            continue
        res = evaluate(f"identity:{total}=" + "+".join(parts), lt.id, value_term(row, total, lt),
                       [value_term(row, p, lt) for p in parts])
        if res is not None:
            out.append(res)
    return out


def _support(checks: Sequence[CheckResult]) -> tuple[int, int, int]:
    """(rows holding with ≥ 2 non-zero parts, rows holding, rows failing)."""
    real = sum(c.status != "fail" and sum(p.value != 0 for p in c.parts) >= 2 for c in checks)
    held = sum(c.status != "fail" for c in checks)
    return real, held, len(checks) - held


def _percent(lt: LogicalTable, key: str) -> bool:
    return any(key in r.values and "%" in r.values[key].text for r in lt.rows)


def discovered_identities(lt: LogicalTable, rules: Sequence[str] = ()) -> list[CheckResult]:
    typed_totals = {r[4:].split("=", 1)[0] for r in rules if r.startswith("row:")}
    groups = column_groups(lt.columns)
    out: list[CheckResult] = []
    for g in sorted(set(groups.values())):
        keys = [k for c, k in sorted(lt.columns.items())
                if groups[c] == g and not is_identity(k) and not _percent(lt, k)]
        keys = list(dict.fromkeys(keys))
        for i, total in enumerate(keys):
            if total.split(".")[0] in typed_totals:
                continue
            best: tuple[int, int, list[CheckResult]] | None = None
            for parts in _runs(keys, i):
                checks = _identity_rows(lt, total, parts)
                real, held, failed = _support(checks)
                if real < MIN_SUPPORT or not _tolerated(failed, len(checks)):
                    continue
                if best is None or (held, len(parts)) > best[:2]:
                    best = (held, len(parts), checks)
            if best is not None:
                out.extend(best[2])
    return out


# ------------------------------------------------------------------------------------------- across tables


def same_amount_checks(tables: Sequence[LogicalTable]) -> list[CheckResult]:
    """(code, column label) amounts printed in two tables agree — for table pairs that agree nearly always."""
    from pipeline.tabletypes import norm

    where: dict[tuple[str, str], list[tuple[LogicalTable, Row, str]]] = defaultdict(list)
    for lt in tables:
        labels = _labels_by_key(lt)
        for row in lt.rows:
            if not row.code:
                continue
            for key, v in row.values.items():
                label = norm(labels.get(key, "") or v.label)
                if label and v.status != "text":
                    where[(row.code, label)].append((lt, row, key))
    pairs: dict[tuple[str, str, str], list[CheckResult]] = defaultdict(list)
    for (code, label), seen in where.items():
        for i, (a, ra, ka) in enumerate(seen):
            for b, rb, kb in seen[i + 1:]:
                if a.id == b.id:
                    continue
                res = evaluate(f"same:{code}/{label}", "", value_term(ra, ka, a), [value_term(rb, kb, b)])
                if res is not None:
                    pairs[(a.id, b.id, label)].append(res)
    out: list[CheckResult] = []
    for checks in pairs.values():
        held = sum(c.status != "fail" for c in checks)
        if held >= MIN_SUPPORT and _tolerated(len(checks) - held, len(checks)):
            out.extend(checks)
    return out


def _labels_by_key(lt: LogicalTable) -> dict[str, str]:
    out: dict[str, str] = {}
    for c, k in sorted(lt.columns.items()):
        if k not in out and lt.labels.get(c):
            out[k] = lt.labels[c]
    return out
