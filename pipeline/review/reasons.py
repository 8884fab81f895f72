"""Why a cell or table is queued, in words: arithmetic rule ids turned into sentences that name the rows and
columns they concern, pipeline flags explained, and a cell's context (its own block's row labels, its column's
label path, the table's title, page and unit)."""

from __future__ import annotations

import re
from typing import Any

from pipeline.document.notes import CellRef
from pipeline.document.records import column_groups, is_identity

FLAG_TEXT = {
    "stray-punctuation-removed": "stray punctuation next to the text (a dot, a comma, a ruling read as “|”) was "
                                 "removed from the reading",
    "stray-mark-dropped": "a mark the recogniser itself doubted (a hair, a speck, a ruling remnant read as a "
                          "letter, a quote or a line of its own) was removed from the reading",
    "specks-dropped": "small specks were ignored as dust; a faint character may have been lost",
    "ink-but-no-text": "there is ink in the cell but nothing legible was read",
    "detector-fallback": "the cell holds tall or several lines of text and was read with the text detector",
    "ocr-disagrees": "the PDF's own text and the OCR of the page read this cell differently",
    "text-layer-unmapped": "the PDF's font gives no characters for some glyphs; the text is a guess",
    "text-layer-missing": "the PDF's text layer has nothing here although the page shows ink; read by OCR",
    "structure": "the grid may have put this cell in the wrong column (two values under one column label, or "
                 "words in a code column)",
    "check:fail": "takes part in an arithmetic check that fails",
    "check:pass": "confirmed by an arithmetic check that passes",
    "vocabulary": "reads exactly as a standard label of these tables (subject name or column label)",
    "vocabulary-near-miss": "reads one character away from a standard label of these tables: likely misread",
    "column-near-miss": "reads one character away from a text its column repeats: likely misread",
    "noise-read-as-empty": "a few marks too small for a character were read as something; taken as empty",
    "dash-by-shape": "the only ink is a thin bar: read as a dash by its length",
    "second-reading-agrees": "a second, differently prepared reading gave the same text",
    "merged": "made by merging cells of the grid",
    "split": "made by splitting a cell of the grid",
    "reread": "read again from the page after a change of the grid",
    "needs-typing": "could not be read again after a change of the grid: type its text",
    "misread-normalised": "the reading was corrected by how these forms are printed (a blurred 、 after an "
                          "ordinal, full-width brackets, a traditional character, separators or dots around an "
                          "amount, a dash by its length): check the correction",
    "text-layer-glyph": "the PDF's font maps a glyph to another digit than the OCR of the page reads: every cell "
                        "holding that glyph is in doubt",
    "text-layer-doubt": "a check fails on this page whose numbers come from the PDF's own text: its font mapping "
                        "may be wrong",
    "row-boundary-ambiguous": "the grid has no printed ruling here and the row boundary beside this cell is a "
                              "guess: it may be one wrapped cell, or two rows",
    "col-boundary-ambiguous": "the grid has no printed ruling here and the column boundary beside this cell is a "
                              "guess: it may be one value with wide spacing, or two columns",
    "detector-budget": "a tall or many-line cell read line by line (the table had more such cells than the text "
                       "detector's budget): lines may be missing or joined",
}
CHILD_LEVEL = {"类": "款", "款": "项"}


def explain_flags(flags: list[str]) -> list[str]:
    """The flags' explanations; a flag without one (a third-party plugin's) is shown by its name, never hidden."""
    return [FLAG_TEXT.get(f, f"flagged “{f}” by the pipeline") for f in flags if f != "check:pass"]


def record_index(document: dict[str, Any]) -> dict[CellRef, dict[str, Any]]:
    """(part, row, col) → its record, over the whole document."""
    return {(r["part"], r["row"], r["col"]): r for t in document.get("tables", []) for r in t.get("records") or []}


def _title(document: dict[str, Any], part: str) -> str:
    tables = document.get("tables", [])
    head = None
    for t in tables:
        head = head if t.get("continued") and head is not None else t
        if t["id"] == part:
            return (head or t).get("title") or part
    return part


def _row_name(rec: dict[str, Any] | None) -> str:
    if not rec:
        return ""
    return " ".join(x for x in (rec.get("subject_code", ""), rec.get("subject_name", "")) if x)


def check_sentence(check: dict[str, Any], records: dict[CellRef, dict[str, Any]],
                   document: dict[str, Any]) -> str:
    """One failing check as a sentence ("类 302 商品和服务支出 should be the sum of its 款 rows (决算数): printed
    171.07, the rows give 41.87")."""
    rule = str(check.get("rule", ""))
    cells = [(c["table"], c["row"], c["col"]) for c in check.get("cells") or [] if isinstance(c, dict)]
    total = records.get(cells[0]) if cells else None
    label = (total or {}).get("label") or (total or {}).get("column") or ""
    col = f" ({label})" if label else ""
    got = f"printed {check.get('expected')}, {{what}} give {check.get('found')}"
    m = re.match(r"^hierarchy:(.+?)=(\w+)$", rule)
    if m and m.group(1) == "合计":
        text = f"合计 should be the sum of the 类 rows{col}: " + got.format(what="the 类 rows")
    elif m:
        level = m.group(1)
        child = CHILD_LEVEL.get(level, "sub")
        text = (f"{level} {_row_name(total)} should be the sum of its {child} rows{col}: "
                + got.format(what="its rows"))
    elif rule.startswith("row:"):
        parts = [records.get(c) for c in cells[1:]]
        names = " + ".join(dict.fromkeys(p.get("label") or p.get("column") for p in parts if p)) or "its parts"
        text = (f"In row {_row_name(total)}, {label or 'the total'} should equal {names}: "
                + got.format(what="the parts"))
    elif rule.startswith("items:"):
        name = rule.split(":", 1)[1].split("=")[0]
        text = f"{name} should be the sum of its items{col}: " + got.format(what="the items")
    elif rule.startswith("totals:"):
        text = "The 合计 rows together should equal the 类 rows: " + got.format(what="the 类 rows")
    elif rule.startswith(("same:", "same-class:")):
        other = next((c for c in cells[1:] if c[0] != cells[0][0]), cells[-1] if cells else None)
        orec = records.get(other) if other else None
        where = _title(document, other[0]) if other else "another table"
        text = (f"{label or 'This figure'} {_row_name(total)} in {_title(document, cells[0][0]) if cells else ''} "
                f"should equal {(orec or {}).get('label') or 'the same figure'} in {where}: "
                + got.format(what="the other table's figures"))
    elif rule.startswith("total:"):  # template-free 小计/合计/总计 row (pipeline.document.checks.generic)
        name = rule.split(":", 1)[1].split("=")[0]
        text = f"The {name} row should be the sum of the rows it totals{col}: " + got.format(what="those rows")
    elif rule.startswith("identity:"):  # a column identity found in the table itself
        parts = [records.get(c) for c in cells[1:]]
        names = " + ".join(dict.fromkeys(p.get("label") or p.get("column") for p in parts if p)) or "its parts"
        text = (f"In row {_row_name(total)}, {label or 'this column'} equals {names} on nearly every other row "
                "of this table, but not here: " + got.format(what="the parts"))
    elif rule.startswith("block:"):  # a labelled block's first row (资金: 年度资金总额 = 财政拨款 + 其他资金)
        name = rule.split(":", 1)[1].split("=")[0]
        text = (f"{name} should be the sum of the rows below it in its block{col}: "
                + got.format(what="those rows"))
    elif rule.startswith("scores:") and "≤" in rule:
        row = f"In row {_row_name(total)}, the" if _row_name(total) else "The"
        text = (f"{row} score (得分) should not exceed the weight (分值): weight {check.get('expected')}, "
                f"score {check.get('found')}")
    elif rule.startswith("scores:"):
        text = "The total score (总分) should be the sum of the item scores: " + got.format(what="the items")
    elif rule.startswith("rate:"):
        text = "The rate should be the executed amount divided by the budget: " + got.format(what="the amounts")
    else:
        text = f"{rule}: " + got.format(what="the parts")
    return f"{text} (difference {check.get('difference')})"


# ------------------------------------------------------------------------------------------- context


def _columns(table: dict[str, Any]) -> dict[int, str]:
    return {int(k): str(v) for k, v in (table.get("columns") or {}).items()}


def header_rows(table: dict[str, Any]) -> int:
    rows = [r["row"] for r in table.get("records") or []]
    if isinstance(table.get("header_rows"), int):
        return int(table["header_rows"])
    return min(rows) if rows else 1


def cell_context(table: dict[str, Any], row: int, col: int) -> dict[str, Any]:
    """Row header: the identity cells (code, name) of the cell's own column group in its row (a two-block table's
    right block has its own); column header: the header cells above the cell's column and its label path."""
    columns = _columns(table)
    groups = column_groups(columns) if columns else {}
    at = {(c["row"], c["col"]): c for c in table["cells"]}
    if col in groups:
        ident = [c for c in sorted(columns) if groups[c] == groups[col] and is_identity(columns[c])]
    else:
        left = [c for c in sorted(columns) if c < col and is_identity(columns[c])]
        ident = left or [0]
    row_cells = [at[(row, c)] for c in ident if (row, c) in at and c != col]
    n_head = header_rows(table)
    col_cells = [c for c in sorted(table["cells"], key=lambda c: c["row"])
                 if c["row"] < min(n_head, row) and c["col"] <= col < c["col"] + c.get("colspan", 1)
                 and str(c.get("text", "")).strip()]

    def ref(c: dict[str, Any]) -> dict[str, Any]:
        return {"row": c["row"], "col": c["col"], "text": c.get("text", ""), "bbox": c["bbox"]}

    labels = {int(k): str(v) for k, v in (table.get("labels") or {}).items()}
    return {"row_header": [ref(c) for c in row_cells], "col_header": [ref(c) for c in col_cells],
            "col_label": labels.get(col, " / ".join(str(c.get("text", "")) for c in col_cells)),
            "column_key": columns.get(col, ""), "title": table.get("title", ""), "page": table["page"],
            "unit": table.get("unit", "")}
