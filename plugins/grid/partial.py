"""Rows of partially ruled tables: row boundaries inferred from whitespace where the rulings are not printed.

Many forms rule only the columns and the outer box; their body rows are separated by whitespace.  The lattice
grid then has one tall row band holding many text lines, and every column becomes one giant cell whose lines
are joined ("798060798080797720…").  Here each tall row band of a lattice grid is searched for the text lines
that run across it (``text_bands``: a horizontal projection of the ink that is not a ruling, over the whole
table width), and a row boundary is put in the middle of every whitespace gap that is a row gap
(``row_gaps``):

* the gap is clear across every column (an amount vertically centred beside a wrapped two-line name bridges
  the gap between the name's lines, so they stay one cell);
* it is at least ``MIN_ROW_GAP_EM`` of the body text height and not much smaller than the band's typical gap
  (the gap between the lines of a wrapped cell is the leading, smaller than the padding between rows);
* a band is only split into at least ``MIN_ROWS`` rows, or into two when the gap is clearly a row gap: a
  header cell with two lines of text is not two rows.

A gap in the grey zone between a wrapped line and a row is split but recorded as ambiguous
(``Grid.ambiguous_rows``): the cells beside it are flagged for review.  Large blank regions never become rows:
boundaries are only put between text lines.  Every inferred boundary is recorded (``Grid.inferred_rows``) so
the cell stage can lower confidence a little: a whitespace boundary is less certain than a ruled one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from pipeline.geometry import em as em_of
from pipeline.model import Cell, Grid

#: the thresholds below are in ems of body text (:func:`pipeline.geometry.em`)
#: a row gap is at least this many ems of whitespace
MIN_ROW_GAP_EM = 0.42
#: ... and at least this share of the band's median gap (smaller gaps are the leading of wrapped text)
MIN_GAP_SHARE = 0.55
#: gaps below this share of the median gap (but above the minimum) are split and flagged ambiguous
SURE_GAP_SHARE = 0.8
#: a band is split into at least this many rows, unless every gap is a sure row gap of this many ems
MIN_ROWS = 3
SURE_TWO_ROW_GAP_EM = 0.7
#: a gap wider than this many ems is a blank region, left out of the band's typical gap
BLANK_EM = 3.0
#: marks smaller than this many ems (both ways) are dust, not text
MIN_MARK_EM = 0.45
#: a band may hold several rows only when it is at least this many ems tall
MIN_BAND_EM = 2.4


@dataclass(frozen=True, slots=True)
class RowSplit:
    """Row boundaries inferred inside one row band: page y of each, and which of them are ambiguous."""

    band: int  # index of the lattice row that is split
    edges: tuple[float, ...]
    ambiguous: tuple[bool, ...]


def text_bands(profile: np.ndarray, em: float) -> list[tuple[int, int]]:
    """Runs [y0, y1) of rows with ink in a projection profile; runs thinner than a third of an em that lie
    close to another are joined to it (punctuation, a split stroke), isolated ones dropped (dust)."""
    rows = np.flatnonzero(profile)
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) > max(1, round(0.06 * em)))
    starts = np.concatenate([[rows[0]], rows[breaks + 1]])
    ends = np.concatenate([rows[breaks] + 1, [rows[-1] + 1]])
    bands = [[int(a), int(b)] for a, b in zip(starts, ends, strict=True)]
    thin = 0.33 * em
    merged: list[list[int]] = []
    for b in bands:
        if merged and (b[1] - b[0] < thin or merged[-1][1] - merged[-1][0] < thin) \
                and b[0] - merged[-1][1] < 0.35 * em:
            merged[-1][1] = b[1]
        else:
            merged.append(b)
    return [(a, b) for a, b in merged if b - a >= thin]


def row_gaps(bands: list[tuple[int, int]], em: float) -> list[tuple[float, bool]]:
    """(y of the boundary relative to the band, ambiguous?) for the gaps between text lines that are row
    gaps (rules in the module docstring); [] when the band is one row."""
    if len(bands) < 2:
        return []
    gaps = [(bands[i + 1][0] - bands[i][1], (bands[i][1] + bands[i + 1][0]) / 2.0) for i in range(len(bands) - 1)]
    big = [g for g, _ in gaps if g >= MIN_ROW_GAP_EM * em]
    if not big:
        return []
    usual = [g for g in big if g <= BLANK_EM * em]  # a blank region inside the table is not a usual gap
    typical = float(np.median(usual)) if usual else float(min(big))
    chosen = [(g, mid, g < SURE_GAP_SHARE * typical) for g, mid in gaps
              if g >= MIN_ROW_GAP_EM * em and g >= MIN_GAP_SHARE * typical]
    if len(chosen) + 1 < MIN_ROWS and (len(chosen) != len(gaps) or any(
            amb or g < SURE_TWO_ROW_GAP_EM * em for g, _, amb in chosen)):
        return []  # two lines that may be one cell's wrapped text: not enough evidence for a row gap
    return [(mid, amb) for _, mid, amb in chosen]


def text_profile(region: np.ndarray, em: float) -> np.ndarray:
    """Rows of ``region`` (bool) that hold text: without marks smaller than ``MIN_MARK_EM`` (binarisation
    noise, dust; a decimal point or comma lies on a line its digits hold anyway) and without thin tall
    remnants of vertical rulings (a slightly skewed ruling leaves a fringe beside its mask)."""
    _n, lab, stats, _ = cv2.connectedComponentsWithStats(region.astype(np.uint8), connectivity=8)
    w, h, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    keep = (area >= 4) & (np.maximum(w, h) >= MIN_MARK_EM * em) & ~((w <= 3) & (h > 1.5 * em))
    keep[0] = False
    return keep[lab].any(axis=1)


def split_rows(text_ink: np.ndarray, row_edges: list[float], col_edges: list[float], dpi: float,
               tol: int) -> list[RowSplit]:
    """Inferred row boundaries of every tall row band of one lattice grid.  ``text_ink`` is the page's ink
    without rulings (bool or uint8, H×W)."""
    em = em_of(dpi)
    x0, x1 = round(col_edges[0]) + tol, round(col_edges[-1]) - tol
    if x1 - x0 < 4:
        return []
    out = []
    for r in range(len(row_edges) - 1):
        top, bottom = round(row_edges[r]) + tol, round(row_edges[r + 1]) - tol
        if bottom - top < MIN_BAND_EM * em:
            continue
        region = text_ink[top:bottom, x0:x1] > 0
        for c in col_edges[1:-1]:  # remnants of the column rulings (faint, broken or doubled ones)
            region[:, max(0, round(c) - x0 - tol): max(0, round(c) - x0 + tol + 1)] = False
        profile = text_profile(region, em)
        found = row_gaps(text_bands(profile, em), em)
        if found:
            out.append(RowSplit(band=r, edges=tuple(top + y for y, _ in found),
                                ambiguous=tuple(a for _, a in found)))
    return out


def apply_splits(row_edges: list[float], splits: list[RowSplit]) -> tuple[list[float], list[int], list[int],
                                                                          dict[int, int]]:
    """The grid's row edges with the inferred ones inserted; the indices (into the new edges) of the inferred
    and of the ambiguous ones; and, for every new row, the lattice row it lies in."""
    by_band = {s.band: s for s in splits}
    edges: list[float] = []
    inferred: list[int] = []
    ambiguous: list[int] = []
    origin: dict[int, int] = {}
    for r in range(len(row_edges) - 1):
        edges.append(row_edges[r])
        origin[len(edges) - 1] = r
        s = by_band.get(r)
        if s is None:
            continue
        for y, amb in zip(s.edges, s.ambiguous, strict=True):
            edges.append(float(y))
            inferred.append(len(edges) - 1)
            if amb:
                ambiguous.append(len(edges) - 1)
            origin[len(edges) - 1] = r
    edges.append(row_edges[-1])
    return edges, inferred, ambiguous, origin


def draw_inferred(hcov: np.ndarray, inferred: list[int], origin: dict[int, int],
                  spans: list[tuple[int, int, int, int]]) -> np.ndarray:
    """Coverage of the grid's horizontal sides with every inferred boundary counted as drawn, except where
    the lattice found a cell spanning several of its rows (a merged label beside unruled rows stays merged).
    ``spans`` are the lattice grid's own (row, col, rowspan, colspan)."""
    out = hcov.copy()
    multi = np.zeros((max(origin.values()) + 1 if origin else 0, hcov.shape[1] if hcov.size else 0), bool)
    for r, c, rs, cs in spans:
        if rs > 1:
            multi[r:r + rs, c:c + cs] = True
    for k in inferred:
        r = origin[k]
        for c in range(out.shape[1]):
            if not multi[r, c]:
                out[k - 1, c] = 1.0
    return out


#: confidence factor of a cell bounded by a whitespace (inferred) row boundary: less certain than a ruling
INFERRED_ROW_FACTOR = 0.98
#: confidence cap of a cell beside an ambiguous inferred boundary (below the default review threshold)
AMBIGUOUS_ROW_CAP = 0.8


def inferred_row_confidence(cells: list[Cell], grid: Grid) -> list[Cell]:
    """Cells bounded by an inferred row (or column, ``gapcols``) boundary lose a little confidence; beside an
    ambiguous one they are flagged ``row-boundary-ambiguous`` (``col-boundary-ambiguous``) and capped below
    review: the rows may be one wrapped cell, the columns one value with wide spacing."""
    if not grid.inferred_rows and not grid.inferred_cols:
        return cells
    inferred, ambiguous = set(grid.inferred_rows), set(grid.ambiguous_rows)
    inferred_c, ambiguous_c = set(grid.inferred_cols), set(grid.ambiguous_cols)
    out = []
    for c in cells:
        sides = {c.row, c.row + c.rowspan}
        sides_c = {c.col, c.col + c.colspan}
        flags = (*(("row-boundary-ambiguous",) if sides & ambiguous else ()),
                 *(("col-boundary-ambiguous",) if sides_c & ambiguous_c else ()))
        if flags:
            c = replace(c, confidence=round(min(c.confidence, AMBIGUOUS_ROW_CAP), 4), flags=(*c.flags, *flags))
        elif sides & inferred or sides_c & inferred_c:
            c = replace(c, confidence=round(c.confidence * INFERRED_ROW_FACTOR, 4))
        out.append(c)
    return out
