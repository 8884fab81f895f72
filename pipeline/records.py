"""From typed tables to normalised records: logical tables (continuations joined, repeated headers dropped),
subject codes (joined ``2010302`` or split 类/款/项 columns) with their level, values as decimals.

Pure functions over :class:`~pipeline.model.Table`; the canonical column keys come from the table's recogniser
(``table.extra["columns"]``, column index → key).  Keys naming the row's subject are *identity* keys (``code``,
``code_lei``, ``code_kuan``, ``code_xiang``, ``name`` and any key ending in ``_item``); every other mapped key is a
value column.  Side-by-side layouts (收入 | 支出 halves of a 总表, the two or three code/name/amount groups of a
基本支出 table) become column *groups*: a new group starts where an identity column follows a value column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pipeline.model import Cell, Table
from pipeline.records_unmapped import UNMAPPED_CONFIDENCE, is_unmapped, unmapped_value_columns

ValueStatus = Literal["value", "na", "text"]

IDENTITY_KEYS = ("code", "code_lei", "code_kuan", "code_xiang", "name")
_NUMBER = re.compile(r"^[(（]?[-−]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?[)）]?$")
_NA = re.compile(r"^[-−—–－/／\\·.…]+$")
_CODE = re.compile(r"^\d{2,9}$")
_ORDINAL_1 = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_ORDINAL_2 = re.compile(r"^([(（][一二三四五六七八九十\d]+[)）]|\d+[、.．])")
_TOTAL = re.compile(r"(合计|总计|总分)")
_UNIT = re.compile(r"单位[:：]?\s*(万|千|亿)?(\S)?")
#: printed code length → level of the 政府收支分类 subject (function: 3/5/7 digits; economic: 3/5)
LEVEL_BY_LENGTH = {3: "类", 5: "款", 7: "项"}


#: An untyped table's records name no type: the type they would have, had the title been read, is unknown,
#: so they are never confident (their values are still checked and fused like any other cell).
UNTYPED_CONFIDENCE = 0.5


def is_identity(key: str) -> bool:
    return key in IDENTITY_KEYS or key.endswith("_item")


#: digits of the longest amount taken as a number (10^15 yuan with 4 decimals fit well within)
MAX_DIGITS = 24


def parse_value(text: str) -> tuple[ValueStatus, Decimal | None]:
    """A printed amount as an exact decimal ("1,234.50" → 1234.50, "(3.00)" → -3.00, "95.5%" → 95.5); "-",
    "——", "/" are "na" (not applicable, distinct from 0); anything else non-numeric is "text"."""
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if _NA.match(t):
        return "na", None
    if t.endswith("%") and _NUMBER.match(t[:-1]):
        t = t[:-1]
    if _NUMBER.match(t):
        neg = t.startswith(("(", "（", "-", "−")) or "-" in t[:2]
        digits = re.sub(r"[^\d.]", "", t)
        if len(digits) > MAX_DIGITS:  # no printed amount is this long: text, not a number checks overflow on
            return "text", None
        try:
            value = Decimal(digits)
        except InvalidOperation:
            return "text", None
        return "value", -value if neg else value
    return "text", None


def is_amount(text: str) -> bool:
    t = unicodedata.normalize("NFKC", text).strip()
    return bool(_NUMBER.match(t.replace(" ", ""))) and ("." in t or "," in t)


def decimals_of(text: str) -> int:
    t = unicodedata.normalize("NFKC", text)
    return len(t.split(".", 1)[1].rstrip(")）%")) if "." in t else 0


def unit_from_caption(lines: Iterable[str]) -> str:
    """"万元" / "元" / … from a caption line such as "单位：万元" or "金额单位：元"; "" when none is printed.
    The vocabulary is closed (元, 千元, 万元, 亿元), so a misread 元 after 万 ("万先") still means 万元."""
    for line in lines:
        m = _UNIT.search(unicodedata.normalize("NFKC", line).replace(" ", ""))
        if m and m.group(1):
            return m.group(1) + "元"
        if m and m.group(2) == "元":
            return "元"
    return ""


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


def header_row_count(table: Table, max_header: int = 8) -> int:
    """Rows above the first data row (a row with an amount, a subject code, or an ordinal/total item whose
    other cells are not labels).  Tables with no data row at all: the rows covered by a spanning top cell."""
    rows = _rows_of(table)
    for r in range(min(table.n_rows, max_header + 1)):
        if is_data_row(rows[r]):
            return r
    spans = [c.row + c.rowspan for c in table.cells if c.row == 0]
    return min(max(spans, default=1), table.n_rows)


def anchor_row(table: Table, words: Sequence[str]) -> int | None:
    """The first row whose cells contain every word (a column-label row inside a table, as in 绩效 tables)."""
    from pipeline.tabletypes import norm

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


# ----------------------------------------------------------------------------------------------- logical tables


@dataclass(frozen=True, slots=True)
class ValueCell:
    part: str
    row: int
    col: int
    key: str
    label: str
    text: str
    status: ValueStatus
    value: Decimal | None
    decimals: int
    confidence: float


@dataclass(frozen=True, slots=True)
class Row:
    """One data row of one column group of a logical table."""

    part: str
    page: int
    row: int
    group: int
    code: str
    level: str
    name: str
    depth: int  # 1 for 一、 items, 2 for (一)/1. items, 0 otherwise
    is_total: bool
    values: dict[str, ValueCell]
    #: cells whose place in the grid looks wrong: a second value under one column label (a column split the
    #: header does not have), or words in a code column (a name cell run into the code column)
    suspects: tuple[tuple[str, int, int], ...] = ()
    block: int = -1  # index of the labelled block (extra["blocks"]) the row belongs to; -1: the table body
    #: the cells the row is keyed by (code and name cells; the label cells of an untyped table's row) and the
    #: lowest reading confidence among them: a record is no surer than its key
    key_cells: tuple[tuple[str, int, int], ...] = ()
    key_confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class LogicalTable:
    id: str
    type: str
    pages: tuple[int, ...]
    parts: tuple[str, ...]
    columns: dict[int, str]
    unit: str
    rows: tuple[Row, ...]
    #: False for an untyped table: its value keys are column positions, its records carry only the label path
    typed: bool = True
    #: printed label path per column of the head (untyped tables: the records' column key)
    labels: dict[int, str] = field(default_factory=dict)
    #: how sure the table's type is (its head's ``type_confidence``; ``UNTYPED_CONFIDENCE`` for untyped tables):
    #: a record names its table type, so it is no surer than the type
    type_confidence: float = 1.0

    def value_keys(self) -> list[str]:
        seen: list[str] = []
        for k in self.columns.values():
            if not is_identity(k) and k not in seen:
                seen.append(k)
        return seen


def column_groups(columns: dict[int, str]) -> dict[int, int]:
    """Column → group index; a new group starts at an identity column that follows a value column."""
    out: dict[int, int] = {}
    group, seen_value = 0, False
    for col in sorted(columns):
        key = columns[col]
        if is_identity(key):
            if seen_value:
                group += 1
                seen_value = False
        else:
            seen_value = True
        out[col] = group
    return out


def _code_text(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).replace(" ", "")
    return t if t.isdigit() else ""


def _subject(texts: dict[str, str], previous: dict[str, str]) -> tuple[str, str]:
    """Full code and level from a joined code column or split 类/款/项 columns (an empty 类 under a printed 款
    inherits the row above's 类)."""
    if "code" in texts:
        code = _code_text(texts["code"])
        return code, LEVEL_BY_LENGTH.get(len(code), "")
    lei, kuan, xiang = (_code_text(texts.get(k, "")) for k in ("code_lei", "code_kuan", "code_xiang"))
    # 款/项 are two-digit codes; some documents print "2" for 02
    kuan, xiang = (c.zfill(2) if len(c) == 1 else c for c in (kuan, xiang))
    if not lei and kuan:
        lei = previous.get("code_lei", "")
    if not (lei or kuan or xiang):
        return "", ""
    if len(lei) >= 5 and not kuan:  # a joined code printed in the 类 column
        return lei, LEVEL_BY_LENGTH.get(len(lei), "")
    code = lei + kuan + (xiang if kuan else "")
    level = "项" if xiang and kuan else "款" if kuan else "类"
    # pieces of one code spread over the split columns ("201" | "0301"): the length decides the level
    return code, LEVEL_BY_LENGTH.get(len(code), level)


def odd_code(code: str) -> bool:
    """A code of no 政府收支分类 length (3 / 5 / 7 digits): misread, or pieces of two codes joined."""
    return bool(code) and len(code) not in LEVEL_BY_LENGTH


_CODE_AND_NAME = re.compile(r"^(\d{2,9})\s*[|｜丨]?\s*([^\d\s|｜丨].*)$")


def split_code_and_name(texts: dict[str, str]) -> dict[str, str]:
    """A code cell that also holds the row's name ("08机关事业单位基本养老保险缴费": the boundary between the code
    and name columns was not found on this row, one cell spans both) gives its digits to the code and its words
    to the empty name."""
    if texts.get("name", "").strip():
        return texts
    for k in ("code_xiang", "code_kuan", "code_lei", "code"):
        m = _CODE_AND_NAME.match(unicodedata.normalize("NFKC", texts.get(k, "")).strip())
        if m:
            return {**texts, k: m.group(1), "name": m.group(2)}
    return texts


def _misplaced_in_code_column(text: str) -> bool:
    """Words in a code column: not a code, not a total label spanning the code columns, not 类/款/项."""
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    return bool(t) and not t.isdigit() and not _TOTAL.search(t) and t not in ("类", "款", "项") \
        and bool(re.search(r"[\u3400-\u9fff]{2,}", t))


def clean_name(text: str) -> tuple[str, int]:
    """Subject name without its printed ordinal, and the ordinal's depth."""
    t = unicodedata.normalize("NFKC", text).strip()
    m1 = _ORDINAL_1.match(t)
    if m1:
        return t[m1.end():].strip(), 1
    m2 = _ORDINAL_2.match(t)
    if m2:
        return t[m2.end():].strip(), 2
    return t, 0


def table_rows(table: Table, columns: dict[int, str], labels: dict[int, str], header_rows: int,
               only: Sequence[int] | None = None, block: int = -1) -> list[Row]:
    """Data rows below ``header_rows`` (or exactly the rows ``only``), one :class:`Row` per column group."""
    groups = column_groups(columns)
    cells = top_left_cells(table)
    out: list[Row] = []
    previous: dict[int, dict[str, str]] = {}
    for r in (range(header_rows, table.n_rows) if only is None else only):
        for g in sorted(set(groups.values())):
            cols = [c for c in sorted(columns) if groups[c] == g]
            ident = {columns[c]: c for c in cols if (r, c) in cells and is_identity(columns[c])}
            texts = {k: cells[(r, c)].text for k, c in ident.items()}
            texts = split_code_and_name(texts)
            code, level = _subject(texts, previous.get(g, {}))
            raw_name = texts.get("name", "").strip() or next(
                (texts[k] for k in texts if k.endswith("_item") and texts[k].strip()), "") or next(
                (t for t in texts.values() if t.strip() and not _code_text(t)), "")  # 合计 across code columns
            name, depth = clean_name(raw_name)
            values: dict[str, ValueCell] = {}
            suspects = [(table.id, r, ident[k]) for k in texts
                        if k.startswith("code") and k in ident
                        and (_misplaced_in_code_column(texts[k]) or (odd_code(code) and texts[k].strip()))]
            for c in cols:
                key = columns[c]
                cell = cells.get((r, c))
                if is_identity(key) or cell is None or not cell.text.strip():
                    continue
                if key in values:  # two values under one label: the grid split a column
                    first = values[key]
                    suspects += [(table.id, first.row, first.col), (table.id, r, c)]
                    continue
                status, value = parse_value(cell.text)
                values[key] = ValueCell(part=table.id, row=r, col=c, key=key, label=labels.get(c, ""),
                                        text=cell.text, status=status, value=value, decimals=decimals_of(cell.text),
                                        confidence=cell.confidence)
            if not (code or name or values):
                continue
            keyed = [cells[(r, c)] for k, c in ident.items() if texts.get(k, "").strip()]
            previous[g] = {k: _code_text(v) for k, v in texts.items()} if code else previous.get(g, {})
            out.append(Row(part=table.id, page=table.page, row=r, group=g, code=code, level=level, name=name,
                           depth=depth, is_total=bool(_TOTAL.search(name)) and not code, values=values,
                           suspects=tuple(dict.fromkeys(suspects)), block=block,
                           key_cells=tuple((table.id, k.row, k.col) for k in keyed),
                           key_confidence=min((k.confidence for k in keyed), default=1.0)))
    return out


def _columns_of(table: Table) -> dict[int, str]:
    raw = table.extra.get("columns") or {}
    return {int(k): str(v) for k, v in dict(raw).items()} if isinstance(raw, dict) else {}


def column_spans(table: Table) -> dict[int, tuple[float, float]]:
    """Each column's horizontal extent as a fraction of the table's width (from its one-column cells)."""
    x0, width = table.bbox.x0, table.bbox.width
    out: dict[int, tuple[float, float]] = {}
    if width <= 1:
        return out
    for c in table.cells:
        if c.colspan == 1 and c.col not in out:
            out[c.col] = ((c.bbox.x0 - x0) / width, (c.bbox.x1 - x0) / width)
    return out


def fragment_columns(columns: dict[int, str], part: Table, head: Table) -> dict[int, str]:
    """Keys for a fragment whose grid differs from its head's (a column split on one page only, a last 合计 row
    whose label spans the code columns): each fragment column takes the key of the head column it overlaps
    most, positions measured relative to each table's width; without geometry, value columns align on the
    right and the first column is the subject name."""
    mine, theirs = column_spans(part), column_spans(head)
    if len(mine) == part.n_cols and len(theirs) == head.n_cols:
        out: dict[int, str] = {}
        for c, (a0, a1) in mine.items():
            overlap = {h: min(a1, b1) - max(a0, b0) for h, (b0, b1) in theirs.items() if h in columns}
            best = max(overlap, key=lambda h: overlap[h], default=None)
            if best is not None and overlap[best] > 0:
                out[c] = columns[best]
        return out
    offset = head.n_cols - part.n_cols
    if offset <= 0:
        return {c: k for c, k in columns.items() if c < part.n_cols}
    out = {c - offset: k for c, k in columns.items() if c - offset >= 1 and not is_identity(k)}
    out[0] = "name"
    return out


def block_rows(table: Table) -> list[Row]:
    """Rows of a labelled block inside the table's header area (``extra["blocks"]``: the 资金 block of a 绩效自评表,
    each ``{"rows": [...], "columns": {col: key}, "labels": {col: label}}``)."""
    out: list[Row] = []
    for i, block in enumerate(table.extra.get("blocks") or []):  # type: ignore[union-attr]
        columns = {int(k): str(v) for k, v in dict(block["columns"]).items()}
        labels = {int(k): str(v) for k, v in dict(block.get("labels") or {}).items()}
        out.extend(table_rows(table, columns, labels, 0, only=[int(r) for r in block["rows"]], block=i))
    return out


def logical_tables(tables: Sequence[Table]) -> list[LogicalTable]:
    """Join each head with its ``continued`` fragments (in document order); the head's column mapping applies
    to the fragments, whose own repeated header rows are dropped."""
    out: list[LogicalTable] = []
    groups: list[list[Table]] = []
    for t in tables:
        if t.continued and groups:
            groups[-1].append(t)
        else:
            groups.append([t])
    for parts in groups:
        head = parts[0]
        columns = _columns_of(head)
        labels_raw: Any = head.extra.get("labels") or {}
        labels = {int(k): str(v) for k, v in dict(labels_raw).items()}
        unit = str(head.extra.get("unit") or "")
        rows: list[Row] = []
        if head.type == "generic" or "." not in head.type:
            from pipeline.records_generic import untyped_parts

            columns, labels, rows = untyped_parts(parts)
            out.append(LogicalTable(id=head.id, type=head.type, pages=tuple(sorted({p.page for p in parts})),
                                    parts=tuple(p.id for p in parts), columns=columns, unit=unit, rows=tuple(rows),
                                    typed=False, labels=labels, type_confidence=UNTYPED_CONFIDENCE))
            continue
        columns = {**columns, **unmapped_value_columns(head, columns)}  # no printed number is lost
        for i, part in enumerate(parts):
            cols = columns if part.n_cols == head.n_cols else fragment_columns(columns, part, head)
            fixed = part.extra.get("header_rows") if i == 0 else None
            skip = int(fixed) if isinstance(fixed, int) else header_row_count(part)
            rows.extend(table_rows(part, cols, labels, skip))
            rows.extend(block_rows(part))
        out.append(LogicalTable(id=head.id, type=head.type, pages=tuple(sorted({p.page for p in parts})),
                                parts=tuple(p.id for p in parts), columns=columns, unit=unit, rows=tuple(rows),
                                labels=labels, type_confidence=head.type_confidence or 1.0))
    return out


@dataclass(frozen=True, slots=True)
class Record:
    document: str
    table: str
    table_type: str
    part: str
    page: int
    subject_code: str
    level: str
    subject_name: str
    column: str
    label: str
    text: str
    value: Decimal | None
    status: ValueStatus
    unit: str
    row: int
    col: int
    confidence: float

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "part": self.part, "page": self.page, "subject_code": self.subject_code,
                "level": self.level, "subject_name": self.subject_name, "column": self.column, "label": self.label,
                "value": None if self.value is None else str(self.value), "status": self.status,
                "text": self.text, "unit": self.unit, "row": self.row, "col": self.col,
                "confidence": round(self.confidence, 4)}


RECORD_FIELDS = ("document", "table", "table_type", "part", "page", "subject_code", "level", "subject_name",
                 "column", "label", "value", "status", "text", "unit", "row", "col", "confidence")


def records_of(document: str, lt: LogicalTable, confidence: dict[tuple[str, int, int], float] | None = None
               ) -> list[Record]:
    """One record per (data row, value column) with a printed value; empty cells are absent, not zeros.  A
    record's confidence is the lowest of its value cell's, its key cells' (code, name; an untyped table's row
    labels) and its table type's."""
    out = []
    conf_of = confidence or {}
    for row in lt.rows:
        key_conf = min((conf_of.get(ref, row.key_confidence) for ref in row.key_cells), default=1.0)
        key_conf = min(key_conf, lt.type_confidence)
        for key, v in row.values.items():
            conf = min(conf_of.get((v.part, v.row, v.col), v.confidence), key_conf)
            if lt.typed and is_unmapped(key):  # a column the type's rules do not name: kept, never confident
                conf = min(conf, UNMAPPED_CONFIDENCE)
            out.append(Record(document=document, table=lt.id, table_type=lt.type, part=v.part, page=row.page,
                              subject_code=row.code, level=row.level, subject_name=row.name,
                              column=key if lt.typed and not is_unmapped(key) else "",
                              label=v.label, text=v.text, value=v.value, status=v.status, unit=lt.unit,
                              row=v.row, col=v.col, confidence=conf))
    return out
