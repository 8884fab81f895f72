"""A table's header block: which rows are labels and which are data, the printed label texts.

Pure functions over :class:`~pipeline.model.Table` (used by continuation marking, typing and the records);
:func:`norm` is the compare-form of printed labels every matcher uses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from pipeline.document.numbers import _CODE, _NA, is_amount, parse_value
from pipeline.model import Cell, Table

_NOISE = re.compile(r"[^0-9A-Za-z\u3400-\u9fff]+")
_YEAR = re.compile(r"(19|20)\d\d年(度)?")


def norm(text: str) -> str:
    """Compare-form of a printed label: NFKC, no punctuation/quotes/spaces, no leading year ("2025年")."""
    t = unicodedata.normalize("NFKC", text)
    t = _YEAR.sub("", t)
    return _NOISE.sub("", t)


_ORDINAL_1 = re.compile(r"^[一二三四五六七八九十]+[、.．]")

_ORDINAL_2 = re.compile(r"^([(（][一二三四五六七八九十\d]+[)）]|\d+[、.．])")

_TOTAL = re.compile(r"(合计|总计|总分)")

def top_left_cells(table: Table) -> dict[tuple[int, int], Cell]:
    return {(c.row, c.col): c for c in table.cells}

def _rows_of(table: Table) -> dict[int, list[Cell]]:
    rows: dict[int, list[Cell]] = {r: [] for r in range(table.n_rows)}
    for c in table.cells:
        rows[c.row].append(c)
    for cells in rows.values():
        cells.sort(key=lambda c: c.col)
    return rows

def _is_column_numbers(texts: Sequence[str]) -> bool:
    """A 栏次 row: 1, 2, 3, … printed under the column labels."""
    nums = [t for t in texts if t]
    if any("栏" in t for t in nums):
        return True
    if len(nums) < 3 or not all(t.isdigit() and len(t) <= 2 for t in nums):
        return False
    ints = [int(t) for t in nums]
    return ints == list(range(ints[0], ints[0] + len(ints)))

def is_data_row(cells: Sequence[Cell]) -> bool:
    texts = [unicodedata.normalize("NFKC", c.text).strip() for c in cells]
    nonempty = [t for t in texts if t]
    if not nonempty or _is_column_numbers(texts):
        return False
    if any(is_amount(t) for t in nonempty):
        return True
    first = nonempty[0]
    rest = nonempty[1:]
    plain = all(_CODE.match(t) or _NA.match(t) or parse_value(t)[0] != "text" for t in rest)
    if _CODE.match(first) and len(first) >= 3:
        return True
    return bool((_ORDINAL_1.match(first) or _ORDINAL_2.match(first) or _TOTAL.search(first)) and plain)


def is_section_heading(cells: Sequence[Cell], n_cols: int) -> bool:
    """A row that is one cell across the whole table ("一、政府采购情况" in a 相关信息统计表): it heads a section of
    rows, with the section's column labels below it; it is not a data row."""
    return n_cols > 1 and len(cells) == 1 and cells[0].colspan >= n_cols


def repeats_labels(texts: dict[int, str], labels: dict[int, str]) -> bool:
    """A row inside the body that prints the column labels again (项目 | 行次 | 统计数 under each section heading
    of a sectioned table): every filled cell is a label of its own column, at least two of them."""
    filled = {c: norm(t) for c, t in texts.items() if norm(t)}
    return len(filled) >= 2 and all(t in {norm(p) for p in labels.get(c, "").split(" / ")}
                                    for c, t in filled.items())


def header_row_count(table: Table, max_header: int = 8) -> int:
    """Rows above the first data row (a row with an amount, a subject code, or an ordinal/total item whose
    other cells are not labels).  Tables with no data row at all: the rows covered by a spanning top cell."""
    rows = _rows_of(table)
    for r in range(min(table.n_rows, max_header + 1)):
        if is_data_row(rows[r]) and not is_section_heading(rows[r], table.n_cols):
            return r
    spans = [c.row + c.rowspan for c in table.cells if c.row == 0]
    return min(max(spans, default=1), table.n_rows)

def head_rows(table: Table) -> int:
    """Rows above a table's data: where its recogniser found the label row (``notes.header_rows``), else
    :func:`header_row_count`."""
    fixed = table.notes.header_rows
    return fixed if fixed is not None else header_row_count(table)


def anchor_row(table: Table, words: Sequence[str]) -> int | None:
    """The first row whose cells contain every word (a column-label row inside a table, as in 绩效 tables)."""
    rows = _rows_of(table)
    for r in range(table.n_rows):
        text = norm("".join(c.text for c in rows[r]))
        if all(norm(w) in text for w in words):
            return r
    return None

def header_labels(table: Table) -> list[str]:
    """The printed texts of the header block (empty when the table starts with data or blank rows only)."""
    n = header_row_count(table)
    return [c.text.strip() for c in table.cells if c.row < n and c.text.strip()]
