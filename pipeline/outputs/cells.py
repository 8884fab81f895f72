"""What the workbook and the report say about a cell: its kind (code, amount, text), its number as printed,
and why it is flagged (confidence, notes, failing checks, suggestion)."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipeline.document.numbers import decimals_of, parse_value

CellKey = tuple[str, int, int]  # table id, row, col
_INTEGER = re.compile(r"^\d{1,15}$")


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal  # as printed; a percentage is the printed number (95.5 for "95.5%")
    decimals: int
    grouped: bool  # printed with thousands separators
    percent: bool


_LEADING_ZERO = re.compile(r"^0\d{1,8}$")
_NUMBERISH = re.compile(r"^[-(（]?[\d,]+(\.\d+)?%?[)）]?$")


def code_like_columns(table: dict[str, Any]) -> set[int]:
    """Columns that print a code with a leading zero ("06") and no amount: split 款/项 code columns of a table
    no recogniser typed."""
    texts: dict[int, list[str]] = defaultdict(list)
    for c in table.get("cells", []):
        if int(c.get("colspan", 1)) == 1 and c.get("text"):
            texts[int(c["col"])].append(unicodedata.normalize("NFKC", str(c["text"])).strip())
    zero = {col for col, ts in texts.items()
            if any(_LEADING_ZERO.match(t) for t in ts) and not any("." in t or "," in t for t in ts)}
    # a 类 column beside them: only 3/5/7-digit subject codes (and header words)
    beside = {col for col, ts in texts.items() if col not in zero and ({col - 1, col + 1} & zero)
              and any(t.isdigit() for t in ts) and all(len(t) in (3, 5, 7) for t in ts if t.isdigit())
              and not any(_NUMBERISH.match(t) and not t.isdigit() for t in ts)}
    return zero | beside


def table_columns(document: dict[str, Any]) -> dict[str, dict[int, str]]:
    """Canonical column key per table id and column: the table's own, a continuation's head's (same number of
    columns; document.json keeps the keys on the head), and "code" for code-like columns not typed otherwise."""
    out: dict[str, dict[int, str]] = {}
    prev: tuple[int, dict[int, str]] | None = None
    for t in document.get("tables", []):
        cols = {int(k): str(v) for k, v in (t.get("columns") or {}).items()}
        if not cols and t.get("continued") and prev is not None and prev[0] == t.get("n_cols"):
            cols = dict(prev[1])
        for col in code_like_columns(t):
            if not cols.get(col) or cols[col].startswith("col"):
                cols[col] = "code"
        out[str(t["id"])] = cols
        prev = (int(t.get("n_cols", 0)), cols)
    return out


def is_code_column(key: str) -> bool:
    return key == "code" or key.startswith("code_")


def amount_of(text: str, key: str = "") -> Amount | None:
    """The number a cell prints, or None when it is a code, a label or "-".  Digit strings count as numbers
    unless they start with 0 ("06" is a code) or sit in a code column; longer than 15 digits stays text (Excel
    keeps 15 significant digits)."""
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not t or is_code_column(key):
        return None
    status, value = parse_value(t)
    if status != "value" or value is None:
        return None
    bare = t.lstrip("(（-−").rstrip(")）%")
    if _INTEGER.match(bare) and len(bare) > 1 and bare.startswith("0"):
        return None
    if bare.isdigit() and len(bare) > 15:
        return None
    return Amount(value=value, decimals=decimals_of(t), grouped="," in t, percent=t.endswith("%"))


def cell_refs(check: dict[str, Any]) -> list[CellKey]:
    """The cells of a check as (table, row, col); old files list [row, col] pairs of the check's table."""
    out: list[CellKey] = []
    for c in check.get("cells") or []:
        if isinstance(c, dict):
            out.append((str(c.get("table") or check.get("table") or ""), int(c["row"]), int(c["col"])))
        elif isinstance(c, list | tuple) and len(c) == 2:
            out.append((str(check.get("table") or ""), int(c[0]), int(c[1])))
    return out


def document_checks(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's checks: the top-level list, else the union of the tables' lists (deduplicated)."""
    if document.get("checks") is not None:
        return list(document["checks"])
    seen: dict[str, dict[str, Any]] = {}
    for t in document.get("tables", []):
        for c in t.get("checks") or []:
            seen.setdefault(repr(sorted(c.items(), key=lambda kv: kv[0])), c)
    return list(seen.values())


def checks_by_cell(checks: list[dict[str, Any]], statuses: tuple[str, ...] = ("fail",)
                   ) -> dict[CellKey, list[dict[str, Any]]]:
    out: dict[CellKey, list[dict[str, Any]]] = defaultdict(list)
    for check in checks:
        if check.get("status") in statuses:
            for ref in cell_refs(check):
                out[ref].append(check)
    return out


def describe_check(check: dict[str, Any]) -> str:
    rule = check.get("rule", "check")
    return (f"{rule}: {check.get('status', '?')}, expected {check.get('expected', '?')}, "
            f"found {check.get('found', '?')}")


def cell_reasons(cell: dict[str, Any], threshold: float, failing: list[dict[str, Any]]) -> list[str]:
    """Why a cell is flagged, one short line each (empty for a cell nobody needs to look at)."""
    reasons: list[str] = []
    if cell.get("source") == "reviewer":
        reasons.append(f"reviewed by {cell.get('reviewer', '?')} ({cell.get('review_action', 'correct')})")
    conf = float(cell.get("confidence", 1.0))
    if cell.get("needs_review", conf < threshold):
        reasons.append(f"confidence {conf:.2f} (review below {threshold:g})")
    notes = [f for f in cell.get("flags") or () if not f.startswith("check:")]
    if notes:
        reasons.append("noted: " + ", ".join(notes))
    reasons.extend("check " + describe_check(c) for c in failing)
    if cell.get("suggestion") is not None:
        reasons.append(f"suggestion: {cell['suggestion']}")
    return reasons


def is_flagged(cell: dict[str, Any], failing: list[dict[str, Any]]) -> bool:
    """A cell needing review.  The cells of a failing check that the checks still trust (a printed total
    confirmed elsewhere, say) are not: the checks sheet lists them, the tables stay readable."""
    return bool(cell.get("needs_review"))


def document_counts(document: dict[str, Any]) -> dict[str, int]:
    """Pages, tables, cells, cells needing review and checks by status: the numbers a summary shows."""
    cells = [c for t in document.get("tables", []) for c in t.get("cells", [])]
    summary = document.get("check_summary") or {}
    return {"pages": int((document.get("source") or {}).get("pages") or len(document.get("pages", []))),
            "page_errors": sum(p.get("status") == "error" for p in document.get("pages", [])),
            "tables": len(document.get("tables", [])), "cells": len(cells),
            "review_cells": sum(bool(c.get("needs_review")) for c in cells),
            "records": sum(len(t.get("records") or []) for t in document.get("tables", [])),
            "checks_pass": int(summary.get("pass", 0)), "checks_rounding": int(summary.get("rounding", 0)),
            "checks_fail": int(summary.get("fail", 0))}
