"""The check engine: a check compares a printed total with the signed sum of printed parts::

    expected = printed total, found = Σ sign·part, difference = found − expected

``status`` is "pass" when the difference is exactly zero, "rounding" when it is within what printed rounding can
explain (see :func:`rounding_tolerance`), else "fail".  Empty parts count as zero and are listed as terms (so a
value the OCR missed can be found); "-"/"——" (not applicable) count as zero; a term that is not a number makes
the check unevaluable and it is left out.  Checks are reported, never used to change a printed value.

The rules that build checks: within a table :mod:`pipeline.document.checks.rules` (named by the table types),
without a type :mod:`pipeline.document.checks.generic`; across tables the ``check_document`` hook (built-in:
``plugins.checks.identities``, which uses :func:`find_row` and :func:`equality`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pipeline.document.notes import CellRef
from pipeline.document.records import LogicalTable, Row, ValueCell

CheckStatus = Literal["pass", "rounding", "fail"]


#: Most units of the last printed decimal that rounding of the parts can explain, whatever their number.
MAX_ROUNDING_UNITS = 3


@dataclass(frozen=True, slots=True)
class Term:
    ref: CellRef | None  # None: an empty cell with no grid position
    sign: int
    value: Decimal
    text: str
    decimals: int
    confidence: float


@dataclass(frozen=True, slots=True)
class CheckResult:
    rule: str
    table: str  # logical table id; "" for document-level checks
    total: Term
    parts: tuple[Term, ...]
    expected: Decimal
    found: Decimal
    difference: Decimal
    status: CheckStatus
    relation: Literal["eq", "le"] = "eq"

    @property
    def terms(self) -> tuple[Term, ...]:
        return (self.total, *self.parts)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "table": self.table,
                "cells": [{"table": t.ref[0], "row": t.ref[1], "col": t.ref[2]} for t in self.terms
                          if t.ref is not None],
                "expected": str(self.expected), "found": str(self.found), "difference": str(self.difference),
                "status": self.status}


def rounding_tolerance(terms: Sequence[Term]) -> Decimal:
    """Half a unit of the last printed decimal per term, at least one unit and at most ``MAX_ROUNDING_UNITS``."""
    decimals = max((t.decimals for t in terms), default=0)
    unit = Decimal(1).scaleb(-decimals)
    n = max(1, min(MAX_ROUNDING_UNITS, len(terms) // 2))
    return unit * n


def term_of(v: ValueCell | None, ref: CellRef | None = None, sign: int = 1) -> Term | None:
    """A check term from a value cell; an absent cell is 0 at ``ref``; None when the cell is not a number."""
    if v is None:
        return Term(ref=ref, sign=sign, value=Decimal(0), text="", decimals=0, confidence=1.0)
    if v.status == "text":
        return None
    return Term(ref=CellRef(v.part, v.row, v.col), sign=sign, value=v.value or Decimal(0), text=v.text,
                decimals=v.decimals, confidence=v.confidence)


def evaluate(rule: str, table: str, total: Term | None, parts: Iterable[Term | None],
             relation: Literal["eq", "le"] = "eq") -> CheckResult | None:
    """The check ``total = Σ sign·part`` (or ``total ≥ Σ`` for "le"); None when a term is not a number or every
    term is empty/zero (nothing to check)."""
    plist = list(parts)
    if total is None or any(p is None for p in plist):
        return None
    ps = tuple(p for p in plist if p is not None)
    if not ps or (total.value == 0 and all(p.value == 0 for p in ps)):
        return None
    if not total.text and all(not p.text for p in ps):
        return None
    found = sum((p.sign * p.value for p in ps), Decimal(0))
    diff = found - total.value
    if relation == "le":
        status: CheckStatus = "pass" if diff <= 0 else "fail"
    elif diff == 0:
        status = "pass"
    elif abs(diff) <= rounding_tolerance((total, *ps)):
        status = "rounding"
    else:
        status = "fail"
    return CheckResult(rule=rule, table=table, total=total, parts=ps, expected=total.value, found=found,
                       difference=diff, status=status, relation=relation)


def value_term(row: Row, key: str, lt: LogicalTable, sign: int = 1) -> Term | None:
    v = row.values.get(key)
    if v is not None:
        return term_of(v, sign=sign)
    col = next((c for c, k in lt.columns.items() if k == key), None)
    ref = (row.part, row.row, col) if col is not None else None
    return term_of(None, ref=ref, sign=sign)


def find_row(lt: LogicalTable, *names: str) -> Row | None:
    """The first row whose name contains one of ``names`` (compared without punctuation)."""
    from pipeline.tabletypes import norm

    wanted = [norm(n) for n in names if norm(n)]
    return next((r for r in lt.rows if any(w in norm(r.name) for w in wanted)), None)


def equality(rule: str, a: LogicalTable, ra: Row | None, ka: str, b: LogicalTable, rb: Row | None, kb: str
             ) -> CheckResult | None:
    """``a[ra][ka] == b[rb][kb]`` as a check (None when either row or value is missing)."""
    if ra is None or rb is None or ka not in ra.values or kb not in rb.values:
        return None
    return evaluate(rule, "", value_term(ra, ka, a), [value_term(rb, kb, b)])
