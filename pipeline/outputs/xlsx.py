"""The Excel workbook of a document (``--formats xlsx``; needs the ``xlsx`` extra: openpyxl).

Sheets: ``summary`` (counts and a linked list of the tables), ``records`` (typed, filterable), ``checks``
(rule, cells, expected, found, status), then one sheet per table laid out as printed: title and unit above the
grid, spanning cells merged, codes as text, amounts as numbers with the printed decimals and separators, and
flagged cells filled and carrying a comment that says why (confidence, notes, failing checks, suggestion).
A reviewed document gives the same workbook with the reviewer's values in.
"""

from __future__ import annotations

import functools
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.outputs.cells import (
    Amount,
    amount_of,
    cell_reasons,
    checks_by_cell,
    document_checks,
    document_counts,
    is_code_column,
    is_flagged,
    table_columns,
)

GRID_TOP = 4  # first worksheet row of a table's grid: title, unit line, blank, grid
FLAG_FILL = "FFF2CC"  # pale yellow: needs review
FAIL_FILL = "F8CBAD"  # pale red: in a failing check
REVIEWED_FILL = "E2EFDA"  # pale green: value typed or accepted by a reviewer
HEADER_FILL = "D9E1F2"
RECORD_COLUMNS = ("document", "table", "table_type", "part", "page", "subject_code", "level", "subject_name",
                  "column", "label", "value", "status", "text", "unit", "row", "col", "confidence")
CHECK_COLUMNS = ("rule", "table", "cells", "expected", "found", "difference", "status")


def number_format(a: Amount) -> str:
    base = "#,##0" if a.grouped else "0"
    if a.decimals:
        base += "." + "0" * a.decimals
    return base + "%" if a.percent else base


def excel_number(a: Amount) -> Decimal:
    return a.value / 100 if a.percent else a.value


def _decimal(text: Any) -> Decimal | str:
    try:
        return Decimal(str(text))
    except Exception:
        return "" if text is None else str(text)


def sheet_title(table_id: str, used: set[str]) -> str:
    base = "".join(ch for ch in table_id if ch not in '[]:*?/\\')[:31] or "table"
    title, n = base, 2
    while title.lower() in used or title.lower() in ("summary", "records", "checks"):
        title = f"{base[:28]}-{n}"
        n += 1
    used.add(title.lower())
    return title


def build_workbook(document: dict[str, Any], name: str) -> Any:
    from pipeline.plugin_manager import require

    openpyxl = require("openpyxl", "xlsx")
    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "summary"
    checks = document_checks(document)
    failing = checks_by_cell(checks)
    used: set[str] = set()
    sheets = [(t, sheet_title(t["id"], used)) for t in document.get("tables", [])]
    _records_sheet(wb.create_sheet("records"), document, name)
    _checks_sheet(wb.create_sheet("checks"), checks)
    columns = table_columns(document)
    for table, title in sheets:
        _table_sheet(wb.create_sheet(title), table, columns[str(table["id"])], failing,
                     float(document.get("review_threshold", 0.9)))
    _summary_sheet(summary, document, name, sheets, failing)
    return wb


def write_workbook(path: Path, document: dict[str, Any], name: str) -> Path:
    """Build the workbook and write it to ``path`` atomically."""
    from pipeline.fsmodes import publish_fd

    wb = build_workbook(document, name)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        publish_fd(fd)
        with os.fdopen(fd, "wb") as f:
            wb.save(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


@functools.cache
def _fill(color: str) -> Any:
    """One style object per look: openpyxl compares every new one against the workbook's styles."""
    from openpyxl.styles import PatternFill

    return PatternFill("solid", start_color=color, end_color=color)


@functools.cache
def _border() -> Any:
    from openpyxl.styles import Border, Side

    thin = Side(style="thin", color="999999")
    return Border(left=thin, right=thin, top=thin, bottom=thin)


@functools.cache
def _align(horizontal: str, wrap: bool = False) -> Any:
    from openpyxl.styles import Alignment

    return Alignment(horizontal=horizontal, vertical="center" if wrap else None, wrap_text=wrap or None)


def _header(ws: Any, columns: tuple[str, ...]) -> None:
    from openpyxl.styles import Font

    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _fill(HEADER_FILL)
    ws.freeze_panes = "A2"


def _records_sheet(ws: Any, document: dict[str, Any], name: str) -> None:
    _header(ws, RECORD_COLUMNS)
    for t in document.get("tables", []):
        for rec in t.get("records") or []:
            row = {**rec, "document": name, "table_type": t.get("type", "")}
            values = []
            for col in RECORD_COLUMNS:
                v = row.get(col)
                if col == "value":
                    values.append(None if v in (None, "") else Decimal(str(v)))
                elif col in ("page", "row", "col"):
                    values.append(int(v) if v is not None else None)
                elif col == "confidence":
                    values.append(float(v) if v is not None else None)
                else:
                    values.append("" if v is None else str(v))
            ws.append(values)
            for c in ws[ws.max_row]:
                if isinstance(c.value, str):
                    c.number_format = "@"  # codes stay text, also when edited in Excel
            ws.cell(ws.max_row, RECORD_COLUMNS.index("value") + 1).number_format = "#,##0.00########"
    ws.auto_filter.ref = ws.dimensions
    _widths(ws, {"subject_name": 28, "label": 24, "text": 14, "subject_code": 12, "table_type": 20})


def _checks_sheet(ws: Any, checks: list[dict[str, Any]]) -> None:
    from pipeline.outputs.cells import cell_refs

    _header(ws, CHECK_COLUMNS)
    for check in checks:
        refs = "; ".join(f"{t} r{r} c{c}" for t, r, c in cell_refs(check))
        ws.append([str(check.get("rule", "")), str(check.get("table", "")), refs,
                   _decimal(check.get("expected")), _decimal(check.get("found")),
                   _decimal(check.get("difference")), str(check.get("status", ""))])
        if check.get("status") == "fail":
            for c in ws[ws.max_row]:
                c.fill = _fill(FAIL_FILL)
    ws.auto_filter.ref = ws.dimensions
    _widths(ws, {"rule": 32, "cells": 40, "table": 10})


def _table_sheet(ws: Any, table: dict[str, Any], columns: dict[int, str],
                 failing: dict[Any, list[dict[str, Any]]], threshold: float) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    ws["A1"] = table.get("title") or "(untitled table)"
    ws["A1"].font = Font(bold=True, size=13)
    unit = table.get("unit")
    ws["A2"] = "  ".join(x for x in (f"单位：{unit}" if unit else "", f"page {table.get('page')}",
                                     f"type {table.get('type', 'generic')}",
                                     "continues the previous table" if table.get("continued") else "") if x)
    border = _border()
    widths: dict[int, int] = {}
    for cell in table.get("cells", []):
        r, c = GRID_TOP + int(cell["row"]), 1 + int(cell["col"])
        text = str(cell.get("text", ""))
        key = columns.get(int(cell["col"]), "")
        amount = amount_of(text, key)
        xc = ws.cell(r, c)
        if amount is not None:
            xc.value = excel_number(amount)
            xc.number_format = number_format(amount)
        else:
            xc.value = text
            xc.number_format = "@"
            if is_code_column(key) or text.isdigit():
                xc.alignment = _align("left")
        rs, cs = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
        if rs > 1 or cs > 1:
            ws.merge_cells(start_row=r, start_column=c, end_row=r + rs - 1, end_column=c + cs - 1)
            xc.alignment = _align("center", wrap=True)
        for rr in range(r, r + rs):
            for cc in range(c, c + cs):
                ws.cell(rr, cc).border = border
        fails = failing.get((table["id"], int(cell["row"]), int(cell["col"])), [])
        if cell.get("source") == "reviewer":
            xc.fill = _fill(REVIEWED_FILL)
        elif is_flagged(cell, fails):
            xc.fill = _fill(FAIL_FILL if fails else FLAG_FILL)
        reasons = cell_reasons(cell, threshold, fails)
        if reasons and (is_flagged(cell, fails) or cell.get("source") == "reviewer"):
            note = "\n".join(reasons)
            xc.comment = Comment(note, "fiscalscan", width=320, height=min(400, 40 + 16 * note.count("\n")))
        if cs == 1:
            widths[c] = max(widths.get(c, 6), min(40, _display_width(text) + 2))
    from openpyxl.utils import get_column_letter

    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = w


def _summary_sheet(ws: Any, document: dict[str, Any], name: str, sheets: list[tuple[dict[str, Any], str]],
                   failing: dict[Any, list[dict[str, Any]]]) -> None:
    from openpyxl.styles import Font

    counts = document_counts(document)
    gen = document.get("generator") or {}
    rows: list[tuple[str, Any]] = [
        ("document", name), ("source", (document.get("source") or {}).get("path", "")),
        ("sha256", (document.get("source") or {}).get("sha256", "")),
        ("reviewed", "yes: reviewer values applied" if document.get("reviewed") else "no"),
        ("pages", counts["pages"]), ("pages with errors", counts["page_errors"]), ("tables", counts["tables"]),
        ("cells", counts["cells"]), ("cells needing review", counts["review_cells"]),
        ("records", counts["records"]), ("checks passed", counts["checks_pass"]),
        ("checks within rounding", counts["checks_rounding"]), ("checks failed", counts["checks_fail"]),
        ("review threshold", float(document.get("review_threshold", 0.9))),
        ("generator", f"{gen.get('name', 'fiscalscan')} {gen.get('version', '')}".strip()),
    ]
    ws.append(["fiscalscan summary"])
    ws["A1"].font = Font(bold=True, size=13)
    for k, v in rows:
        ws.append([k, v])
    ws.append([])
    head = ("sheet", "page", "title", "type", "unit", "rows", "cols", "cells needing review", "cells in failing checks")
    ws.append(list(head))
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
        c.fill = _fill(HEADER_FILL)
    for table, title in sheets:
        flagged = sum(bool(c.get("needs_review")) for c in table.get("cells", []))
        in_fail = sum(1 for c in table.get("cells", []) if failing.get((table["id"], c["row"], c["col"])))
        ws.append([title, table.get("page"), table.get("title") or "", table.get("type", ""),
                   table.get("unit") or "", table.get("n_rows"), table.get("n_cols"), flagged, in_fail])
        link = ws.cell(ws.max_row, 1)
        link.hyperlink = f"#'{title}'!A1"
        link.style = "Hyperlink"
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 36
    ws.column_dimensions["D"].width = 22


def _widths(ws: Any, wide: dict[str, int]) -> None:
    from openpyxl.utils import get_column_letter

    for i, cell in enumerate(ws[1], start=1):
        ws.column_dimensions[get_column_letter(i)].width = wide.get(str(cell.value), max(8, len(str(cell.value)) + 2))


def _display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
