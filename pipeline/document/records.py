"""From typed tables to normalised records: logical tables (continuations joined, repeated headers dropped),
subject codes (joined ``2010302`` or split 类/款/项 columns) with their level, values as decimals.

Pure functions over :class:`~pipeline.model.Table`; the canonical column keys come from the table's recogniser
(``table.notes.columns``, column index → key).  Keys naming the row's subject are *identity* keys (``code``,
``code_lei``, ``code_kuan``, ``code_xiang``, ``name`` and any key ending in ``_item``); every other mapped key is a
value column.  Side-by-side layouts (收入 | 支出 halves of a 总表, the two or three code/name/amount groups of a
基本支出 table) become column *groups*: a new group starts where an identity column follows a value column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeVar

from pipeline.document.headers import _ORDINAL_1, _ORDINAL_2, _TOTAL, repeats_labels, top_left_cells
from pipeline.document.notes import CellRef
from pipeline.document.numbers import ValueStatus, decimals_of, parse_value
from pipeline.model import Table

IDENTITY_KEYS = ("code", "code_lei", "code_kuan", "code_xiang", "name")


#: printed code length → level of the 政府收支分类 subject (function: 3/5/7 digits; economic: 3/5)
LEVEL_BY_LENGTH = {3: "类", 5: "款", 7: "项"}


#: An untyped table's records name no type: the type they would have, had the title been read, is unknown,
#: so they are never confident (their values are still checked and fused like any other cell).
UNTYPED_CONFIDENCE = 0.5


#: the most a record of a column the type does not name can be trusted (below any review threshold)
UNMAPPED_CONFIDENCE = 0.5
#: key of a value column the table's type does not name (the untyped tables' ``col<i>``)
_UNMAPPED = re.compile(r"^col[0-9]+$")


def is_unmapped(key: str) -> bool:
    """A key given by :func:`unmapped_value_columns`, not a canonical column key."""
    return bool(_UNMAPPED.match(key))


def is_identity(key: str) -> bool:
    return key in IDENTITY_KEYS or key.endswith("_item")


_K = TypeVar("_K")
_V = TypeVar("_V")


def frozen_map(m: Mapping[_K, _V]) -> Mapping[_K, _V]:
    """A read-only copy of ``m``, order kept: what a frozen dataclass stores for a mapping field, so nobody
    changes it behind the dataclass (item assignment raises ``TypeError``)."""
    return MappingProxyType(dict(m))


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
    values: Mapping[str, ValueCell]  # read-only (:func:`frozen_map`)
    #: cells whose place in the grid looks wrong: a second value under one column label (a column split the
    #: header does not have), or words in a code column (a name cell run into the code column)
    suspects: tuple[CellRef, ...] = ()
    block: int = -1  # index of the labelled block (notes.blocks) the row belongs to; -1: the table body
    #: the cells the row is keyed by (code and name cells; the label cells of an untyped table's row) and the
    #: lowest reading confidence among them: a record is no surer than its key
    key_cells: tuple[CellRef, ...] = ()
    key_confidence: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", frozen_map(self.values))


@dataclass(frozen=True, slots=True)
class LogicalTable:
    id: str
    type: str
    pages: tuple[int, ...]
    parts: tuple[str, ...]
    columns: Mapping[int, str]  # read-only (:func:`frozen_map`), like ``labels`` and ``label_cells``
    unit: str
    rows: tuple[Row, ...]
    #: False for an untyped table: its value keys are column positions, its records carry only the label path
    typed: bool = True
    #: printed label path per column of the head (untyped tables: the records' column key)
    labels: Mapping[int, str] = field(default_factory=dict)
    #: how sure the table's type is (its head's ``type_confidence``; ``UNTYPED_CONFIDENCE`` for untyped tables):
    #: a record names its table type, so it is no surer than the type
    type_confidence: float = 1.0
    #: value key → the head's label cells that named it, where the label matched only with OCR tolerance
    #: (:mod:`pipeline.document.column_keys`): a record is no surer than the label that named its column
    label_cells: Mapping[str, tuple[CellRef, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("columns", "labels", "label_cells"):
            object.__setattr__(self, name, frozen_map(getattr(self, name)))

    def value_keys(self) -> list[str]:
        seen: list[str] = []
        for k in self.columns.values():
            if not is_identity(k) and k not in seen:
                seen.append(k)
        return seen


def column_groups(columns: Mapping[int, str]) -> dict[int, int]:
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


def row_groups(table: Table, r: int, columns: dict[int, str], groups: dict[int, int]) -> list[tuple[int, list[int]]]:
    """The column groups of row ``r``, each as (group, its columns).  A group whose identity columns are all
    covered by a label spanning in from an earlier group joins that group on this row: the 公用经费合计 label of a
    wide 基本支出 table spans the code/name/amount groups of 公用经费, its amount stands in the last group."""
    out: list[tuple[int, list[int]]] = []
    spans = [c for c in table.cells if c.colspan > 1 and c.row <= r < c.row + c.rowspan]
    for g in sorted(set(groups.values())):
        cols = [c for c in sorted(columns) if groups[c] == g]
        ident = [c for c in cols if is_identity(columns[c])]
        start = cols[0]
        if out and ident and all(any(s.col < start and s.col + s.colspan > c and groups.get(s.col, -1) < g
                                     for s in spans) for c in ident):
            out[-1][1].extend(cols)
        else:
            out.append((g, cols))
    return out


def _distinct_labels(labels: dict[int, str], a: int, b: int) -> bool:
    """Columns ``a`` and ``b`` carry printed labels of their own that differ (预算数/合计 vs 决算数/合计, 年初指标值
    vs 调整后指标值): two printed columns the column map keys alike, not one column the grid split — a split
    column's pieces share its label (or one piece has none)."""
    la, lb = labels.get(a, "").strip(), labels.get(b, "").strip()
    return bool(la and lb and la != lb)


def table_rows(table: Table, columns: dict[int, str], labels: dict[int, str], header_rows: int,
               only: Sequence[int] | None = None, block: int = -1) -> list[Row]:
    """Data rows below ``header_rows`` (or exactly the rows ``only``), one :class:`Row` per column group."""
    groups = column_groups(columns)
    cells = top_left_cells(table)
    out: list[Row] = []
    previous: dict[int, dict[str, str]] = {}
    for r in (range(header_rows, table.n_rows) if only is None else only):
        if repeats_labels({c: cells[(r, c)].text for c in columns if (r, c) in cells}, labels):
            continue
        for g, cols in row_groups(table, r, columns, groups):
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
                    if not _distinct_labels(labels, first.col, c):
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
                           key_cells=tuple(CellRef(table.id, k.row, k.col) for k in keyed),
                           key_confidence=min((k.confidence for k in keyed), default=1.0)))
    return out


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


def records_of(document: str, lt: LogicalTable, confidence: Mapping[CellRef, float] | None = None
               ) -> list[Record]:
    """One record per (data row, value column) with a printed value; empty cells are absent, not zeros.  A
    record's confidence is the lowest of its value cell's, its key cells' (code, name; an untyped table's row
    labels), its table type's and, when its column key was read from a label with OCR tolerance only, that label
    cell's."""
    out = []
    conf_of = confidence or {}
    for row in lt.rows:
        key_conf = min((conf_of.get(ref, row.key_confidence) for ref in row.key_cells), default=1.0)
        key_conf = min(key_conf, lt.type_confidence)
        for key, v in row.values.items():
            conf = min(conf_of.get((v.part, v.row, v.col), v.confidence), key_conf)
            conf = min((conf_of.get(ref, conf) for ref in lt.label_cells.get(key, ())), default=conf)
            if lt.typed and is_unmapped(key):  # a column the type's rules do not name: kept, never confident
                conf = min(conf, UNMAPPED_CONFIDENCE)
            out.append(Record(document=document, table=lt.id, table_type=lt.type, part=v.part, page=row.page,
                              subject_code=row.code, level=row.level, subject_name=row.name,
                              column=key if lt.typed and not is_unmapped(key) else "",
                              label=v.label, text=v.text, value=v.value, status=v.status, unit=lt.unit,
                              row=v.row, col=v.col, confidence=conf))
    return out
