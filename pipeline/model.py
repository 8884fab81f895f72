"""Frozen page data passed between pipeline stages.

One coordinate convention everywhere: pixels of the page image *after* rotation and deskew, origin at the
top-left, y down, boxes as ``BBox(x0, top, x1, bottom)``.  Angles are degrees, counter-clockwise positive.
Confidence is always a float in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from pipeline.document.notes import Block, ColumnMap, KeyLabels, Span, TableNotes

Rotation = Literal[0, 90, 180, 270]
TextSource = Literal["ocr", "text_layer"]


@dataclass(frozen=True, slots=True)
class BBox:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def as_list(self, ndigits: int = 1) -> list[float]:
        return [round(self.x0, ndigits), round(self.top, ndigits), round(self.x1, ndigits),
                round(self.bottom, ndigits)]

    def union(self, other: BBox) -> BBox:
        return BBox(min(self.x0, other.x0), min(self.top, other.top), max(self.x1, other.x1),
                    max(self.bottom, other.bottom))


@dataclass(frozen=True, slots=True, kw_only=True)
class PageChar:
    """One character of a PDF page's own text layer, in page pixels like everything else.

    ``bbox`` is the loose box (the font's ascent to descent, the glyph's advance), so the characters of one
    line share a height.  ``visible`` is False for text drawn in render mode 3 (invisible, the usual hidden
    OCR layer of a scanned PDF) or 7 (clip only).  ``mapped`` is False when the font gives no Unicode value
    for the glyph (the character is then a guess).  ``angle`` is the text direction on the rendered page in
    degrees, counter-clockwise (0: left to right, upright).
    """

    text: str
    bbox: BBox
    visible: bool = True
    mapped: bool = True
    angle: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class TextLayerCheck:
    """Whether a page's own text layer can replace OCR for its cells (see the ``check_text_layer`` hook).

    ``confidence`` is the certainty of the layer's text (agreement of an OCR sample with it, 0..1);
    ``rotation`` the quarter turns (counter-clockwise) that make its text upright.  Indices into
    ``PageImage.chars``: ``sampled`` characters the OCR checked, ``disputed`` those it read differently,
    ``undrawn`` characters that put no ink on the page (clipped, white, covered): they are not read;
    ``suspect`` every character showing a digit the OCR sample read as another digit somewhere on the page
    (a wrong glyph mapping repeats wherever the glyph is used).
    """

    usable: bool
    reason: str
    confidence: float = 0.0
    rotation: Rotation = 0
    sampled: frozenset[int] = frozenset()
    disputed: frozenset[int] = frozenset()
    undrawn: frozenset[int] = frozenset()
    suspect: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class PageImage:
    """A rendered page: ``gray`` is a read-only uint8 H×W array.

    ``text_layer``: the page has visible printable characters of its own (a PDF text layer); ``chars`` are
    those characters (empty for images and image-only PDFs); ``text_check`` is the verdict on them, set by
    the core before orientation (None when not checked: no characters, or ``config.force_ocr``).
    """

    source: str
    page_number: int  # 1-based
    gray: np.ndarray
    dpi: float
    text_layer: bool = False
    rotation: Rotation = 0
    skew: float = 0.0  # degrees removed by deskew (counter-clockwise positive, as found on the scan)
    chars: tuple[PageChar, ...] = ()
    text_check: TextLayerCheck | None = None
    #: uint8 RGB H×W×3 of a colour input (None for grey ones); kept until stamp ink is suppressed
    color: np.ndarray | None = None
    #: 3×3 homography (row-major) from the input's pixels to these, when a photographed sheet was rectified
    perspective: tuple[float, ...] | None = None
    #: boxes of the seals (stamp ink) suppressed in ``gray``, in these pixels (before rotation and deskew)
    seals: tuple[BBox, ...] = ()

    @property
    def text_source(self) -> TextSource:
        """Where this page's cells are read from: its own text layer when that was checked usable."""
        return "text_layer" if self.text_check is not None and self.text_check.usable else "ocr"

    @property
    def width(self) -> int:
        return int(self.gray.shape[1])

    @property
    def height(self) -> int:
        return int(self.gray.shape[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class SkewEstimate:
    rotation: Rotation  # quarter turns (counter-clockwise) needed to make the page upright
    skew: float  # residual small angle in degrees found on the scan
    confidence: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class TextLine:
    """One recognised line of text."""

    text: str
    confidence: float
    bbox: BBox
    char_confidences: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Grid:
    """A ruled table grid: row/column boundaries and the spans the ruling lines imply.

    ``spans`` lists (row, col, rowspan, colspan) for every cell; together they cover every grid position once.
    ``line_score`` says how well the drawn lines support the grid (0..1).  ``inferred_rows`` are the indices
    (into ``row_edges``) of row boundaries inferred from whitespace where no ruling is printed (partially ruled
    tables), ``ambiguous_rows`` those of them that could also be the leading of a wrapped cell; likewise
    ``inferred_cols``/``ambiguous_cols`` for column boundaries from aligned text gaps (rows ruled, columns not).
    """

    bbox: BBox
    row_edges: tuple[float, ...]
    col_edges: tuple[float, ...]
    spans: tuple[Span, ...]  # plain 4-tuples are accepted too (``Span`` is a NamedTuple)
    line_score: float = 1.0
    inferred_rows: tuple[int, ...] = ()
    ambiguous_rows: tuple[int, ...] = ()
    inferred_cols: tuple[int, ...] = ()
    ambiguous_cols: tuple[int, ...] = ()

    @property
    def n_rows(self) -> int:
        return len(self.row_edges) - 1

    @property
    def n_cols(self) -> int:
        return len(self.col_edges) - 1

    def cell_bbox(self, row: int, col: int, rowspan: int = 1, colspan: int = 1) -> BBox:
        return BBox(self.col_edges[col], self.row_edges[row], self.col_edges[col + colspan],
                    self.row_edges[row + rowspan])


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    confidence: float
    bbox: BBox
    lines: tuple[TextLine, ...] = ()
    flags: tuple[str, ...] = ()
    ocr_confidence: float | None = None  # the reading's own confidence when checks changed ``confidence``
    suggestion: str | None = None  # a value that would balance a failing check (never applied)


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    id: str
    page: int
    bbox: BBox
    n_rows: int
    n_cols: int
    cells: tuple[Cell, ...]
    title: str = ""
    title_confidence: float = 0.0
    continued: bool = False
    type: str = "generic"
    type_confidence: float = 0.0
    structure_confidence: float = 1.0
    notes: TableNotes = field(default=TableNotes(), compare=False, hash=False)  # typed annotations

    def cover(self) -> dict[tuple[int, int], Cell]:
        """(row, col) -> the cell covering that grid position (a spanning cell at every position it spans)."""
        return {(r, k): c for c in self.cells for r in range(c.row, c.row + c.rowspan)
                for k in range(c.col, c.col + c.colspan)}


@dataclass(frozen=True, slots=True, kw_only=True)
class RecognizedTable:
    """What a table-type recogniser returns for a table."""

    type: str
    type_confidence: float
    columns: dict[int, str] = field(default_factory=dict)  # col index -> canonical key
    header_rows: int | None = None  # rows above the data when the label row was found inside the table
    labels: ColumnMap | None = None  # col index -> printed label path
    blocks: tuple[Block, ...] | None = None  # labelled blocks of records in the header area
    fuzzy_labels: KeyLabels | None = None  # keys whose label matched with OCR tolerance only


@dataclass(frozen=True, slots=True, kw_only=True)
class PageResult:
    page: int
    width: int
    height: int
    dpi: float
    rotation: Rotation = 0
    skew: float = 0.0
    text_layer: bool = False
    source: TextSource = "ocr"
    status: Literal["ok", "error"] = "ok"
    error: str | None = None
    tables: tuple[Table, ...] = ()
    seconds: float = 0.0
    timings: tuple[tuple[str, float], ...] = ()  # exclusive seconds per stage path (pipeline.timing)
    perspective: tuple[float, ...] | None = None  # homography input -> page pixels before rotation/deskew
    seals: tuple[BBox, ...] = ()  # suppressed stamps, upright page pixels
    warnings: tuple[str, ...] = ()  # what degraded on this page (a guard that cut work short, ...)
