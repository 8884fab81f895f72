"""What the document stage knows about one physical table beyond its cells: frozen, typed annotations.

A :class:`pipeline.model.Table` carries one :class:`TableNotes` (``table.notes``).  The cell stage sets the
caption's ``unit`` and ``table_code`` and, for tables read from a PDF's text layer, ``text_source``; the
structure repairs add ``repairs``; the recogniser sets ``columns``, ``labels``, ``header_rows`` and ``blocks``;
a reviewer's column role "none" sets ``not_values`` (:mod:`pipeline.review.view`);
``document_kind`` is a hint for recognisers only (never written).  A field left ``None`` was never set and is
absent from document.json (an empty value that was set is written empty).  :mod:`pipeline.document.codec`
turns notes into document.json keys and back.

Column maps are tuples of ``(column index, value)`` pairs in the order they were made (the order document.json
lists them); :func:`as_map` gives the ``dict`` view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

#: column index -> canonical key (``columns``) or printed label (``labels``), in document order
ColumnMap = tuple[tuple[int, str], ...]
#: value key -> printed label, in column order (``fuzzy_labels``)
KeyLabels = tuple[tuple[str, str], ...]


class CellRef(NamedTuple):
    """One cell of a physical table: the table's id and the cell's top-left grid position."""

    table: str
    row: int
    col: int


class Span(NamedTuple):
    """A cell's place on its grid: top-left position and how many rows and columns it covers."""

    row: int
    col: int
    rowspan: int
    colspan: int


def column_map(pairs: Mapping[int, str] | Iterable[tuple[int, str]]) -> ColumnMap:
    """A :data:`ColumnMap` from a dict or pairs (keys made ``int``, values ``str``; order kept)."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return tuple((int(k), str(v)) for k, v in items)


def as_map(pairs: ColumnMap | None) -> dict[int, str]:
    """The ``dict`` view of a :data:`ColumnMap` (empty for ``None``)."""
    return dict(pairs or ())


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """A labelled block of records inside a table's header area (the 资金 block of a 绩效自评表): its data
    ``rows``, their column keys and printed labels."""

    rows: tuple[int, ...]
    columns: ColumnMap
    labels: ColumnMap = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TableNotes:
    """A table's annotations (see the module docstring for who sets which); field order is document.json's."""

    unit: str | None = None  # the caption's 单位 (万元, 元, …)
    table_code: str | None = None  # the caption's printed table code (公开01表, …)
    text_source: str | None = None  # "text_layer" when the cells were read from the PDF's own text
    repairs: tuple[str, ...] | None = None  # what the structure repairs changed on the grid
    columns: ColumnMap | None = None  # column index -> canonical key
    header_rows: int | None = None  # rows above the data, when the recogniser found the label row inside
    labels: ColumnMap | None = None  # column index -> printed label path ("本年支出 / 基本支出")
    blocks: tuple[Block, ...] | None = None  # labelled blocks of records in the header area
    not_values: tuple[int, ...] | None = None  # columns a reviewer said hold no values of the records
    fuzzy_labels: KeyLabels | None = None  # value key -> the label it was matched from with OCR tolerance only
    document_kind: str | None = None  # "final" | "budget": the document's majority, a hint for recognisers

    def repaired(self, *what: str) -> TableNotes:
        """These notes with ``what`` appended to ``repairs``."""
        from dataclasses import replace

        return replace(self, repairs=(*(self.repairs or ()), *what))
