"""The tables compared by ``fiscalscan eval``: cells and grids read from truth or prediction JSON, and the
numbers in their text."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.textnorm import normalize

MIN_TABLE_SIM = 0.3
DEFAULT_THRESHOLD = 0.9
SWEEP: tuple[float, ...] = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)

Json = dict[str, Any]
Bag = tuple[Counter[str], Counter[str]]  # (cell texts, characters)
Mapping1D = tuple[int | None, ...]  # truth index -> predicted index

# ----------------------------------------------------------------------------- text

_NUMBER = re.compile(r"^[-+]?\(?[-+]?\d+(?:\.\d+)?\)?%?$")


def parse_number(normed: str) -> float | None:
    """Value of a normalised number ("(3.20)" -> -3.2, "12.5%" -> 12.5), else None."""
    if not _NUMBER.match(normed):
        return None
    negative = normed.startswith("(") and normed.endswith(")")
    value = float(normed.strip("()%").replace("(", "").replace(")", ""))
    return -value if negative else value


def amount_value(raw: str) -> float | None:
    """Value of an amount cell: a number written with '.', ',' or '%' (codes like "201" are not amounts)."""
    value = parse_number(normalize(raw))
    if value is None or not any(ch in unicodedata.normalize("NFKC", raw) for ch in ".,%"):
        return None
    return value


def same_value(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and round(a, 6) == round(b, 6)


# ----------------------------------------------------------------------------- table model


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    norm: str
    confidence: float | None = None

    @property
    def rows(self) -> range:
        return range(self.row, self.row + self.rowspan)

    @property
    def cols(self) -> range:
        return range(self.col, self.col + self.colspan)


@dataclass(frozen=True)
class Grid:
    id: str
    page: int
    title: str
    n_rows: int
    n_cols: int
    cells: tuple[Cell, ...]
    pos: Mapping[tuple[int, int], int] = field(repr=False)  # grid position -> index into cells

    def at(self, row: int, col: int) -> Cell | None:
        i = self.pos.get((row, col))
        return None if i is None else self.cells[i]

    def text_at(self, row: int, col: int) -> str:
        cell = self.at(row, col)
        return "" if cell is None else cell.norm


def _number(value: object, default: float | None) -> float | None:
    try:
        return default if value is None else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def parse_cell(d: Mapping[str, Any]) -> Cell | None:
    row, col = _number(d.get("row"), None), _number(d.get("col"), None)
    if row is None or col is None or row < 0 or col < 0:
        return None
    text = str(d.get("text") or "")
    return Cell(row=int(row), col=int(col), rowspan=max(1, int(_number(d.get("rowspan"), 1) or 1)),
                colspan=max(1, int(_number(d.get("colspan"), 1) or 1)), text=text, norm=normalize(text),
                confidence=_number(d.get("confidence"), None))


def parse_table(d: Mapping[str, Any]) -> Grid:
    """A truth or predicted table as a grid; of overlapping cells the first one wins a position."""
    cells = tuple(c for c in (parse_cell(x) for x in d.get("cells") or ()) if c is not None)
    pos: dict[tuple[int, int], int] = {}
    for i, c in enumerate(cells):
        for r in c.rows:
            for k in c.cols:
                pos.setdefault((r, k), i)
    return Grid(id=str(d.get("id") or ""), page=int(_number(d.get("page"), 0) or 0),
                title=str(d.get("title") or ""),
                n_rows=max([c.row + c.rowspan for c in cells] + [int(_number(d.get("n_rows"), 0) or 0)]),
                n_cols=max([c.col + c.colspan for c in cells] + [int(_number(d.get("n_cols"), 0) or 0)]),
                cells=cells, pos=pos)
