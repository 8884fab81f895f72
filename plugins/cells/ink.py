"""Ink of a cell crop: the cell's pixels inside its rulings, binarised against its own paper level, split into
text lines, and each line cropped at a text line's height for the recogniser (pure functions on grey arrays;
page pixels, dpi-relative sizes via :func:`em`).  Used by the cell reader (:mod:`plugins.cells.reconstruct`),
the caption reader (:mod:`plugins.cells.caption`) and the text-layer reader."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.geometry import em
from pipeline.model import BBox


@dataclass(frozen=True, slots=True)
class LineCrop:
    cell_index: int
    image: np.ndarray
    bbox: BBox  # page pixels


def cell_crop(gray: np.ndarray, box: BBox, shave: int) -> tuple[np.ndarray, int, int]:
    """The cell's inside, shaved by ``shave`` pixels from each ruling; with its page offset."""
    x0, y0 = round(box.x0) + shave, round(box.top) + shave
    x1, y1 = round(box.x1) - shave, round(box.bottom) - shave
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(gray.shape[1], x1), min(gray.shape[0], y1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return np.zeros((0, 0), np.uint8), x0, y0
    return gray[y0:y1, x0:x1], x0, y0


def gray_percentiles(crop: np.ndarray, qs: Sequence[float]) -> tuple[float, ...]:
    """``np.percentile(crop, q)`` for each ``q`` (numpy's default linear method, the same floats), from one
    256-bin histogram of a uint8 crop instead of a partition per call (cell preparation calls it a few times
    per cell)."""
    if crop.dtype != np.uint8 or crop.size == 0:
        return tuple(float(np.percentile(crop, q)) for q in qs)
    n = crop.size
    cum = np.cumsum(np.bincount(crop.ravel(), minlength=256))
    out = []
    for q in qs:
        vi = (n - 1) * (q / 100)
        below = math.floor(vi)
        gamma = vi - below
        lo = int(np.searchsorted(cum, below, side="right"))
        hi = int(np.searchsorted(cum, min(below + 1, n - 1), side="right"))
        diff = hi - lo
        out.append(float(hi - diff * (1 - gamma)) if gamma >= 0.5 else float(lo + diff * gamma))
    return tuple(out)


def clean_ink(crop: np.ndarray, dpi: float) -> tuple[np.ndarray, int]:
    """Boolean ink mask of a cell crop without ruling remnants at its edges and without dust specks; and the
    number of specks that were dropped from an otherwise empty cell (they might have been faint marks)."""
    if crop.size == 0:
        return np.zeros(crop.shape, bool), 0
    paper, dark = gray_percentiles(crop, (90, 0.3))
    contrast = paper - dark
    if contrast < 40:  # nothing printed: only paper, noise, jpeg ringing ... or a few tiny marks (dots, dust)
        marks = cv2.connectedComponents((crop < paper - 80).astype(np.uint8))[0] - 1
        return np.zeros(crop.shape, bool), int(marks >= 3)
    ink = crop < paper - max(35.0, 0.45 * contrast)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    h, w = crop.shape
    min_area = max(3, round((dpi / 200.0) ** 2 * 5))
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, cw, ch, area = stats[i]
        touches_edge = x == 0 or y == 0 or x + cw == w or y + ch == h
        thin_line = (cw > 0.6 * w and ch <= 4) or (ch > 0.6 * h and cw <= 4)
        if thin_line or (touches_edge and (ch <= 3 or cw <= 3)):
            continue  # ruling remnant
        if area < min_area:
            continue  # dust
        keep[i] = True
    mask = keep[lab]
    # lone small specks far from everything else are dust too (a decimal point sits next to digits)
    comps = [i for i in range(1, n) if keep[i]]
    big = [i for i in comps if stats[i][4] >= 6 * min_area]
    if big:
        bx0 = min(stats[i][0] for i in big) - em(dpi)
        bx1 = max(stats[i][0] + stats[i][2] for i in big) + em(dpi)
        by0 = min(stats[i][1] for i in big) - em(dpi) / 2
        by1 = max(stats[i][1] + stats[i][3] for i in big) + em(dpi) / 2
        for i in comps:
            x, y, cw, ch, _a = stats[i]
            if i not in big and (x + cw < bx0 or x > bx1 or y + ch < by0 or y > by1):
                mask[lab == i] = False
    elif len(comps) < 3 and not is_dot_leader([tuple(stats[i][:4]) for i in comps], dpi):
        mask[:] = False  # one or two specks only: dust on an empty cell (three or more may be dots: read them)
        return mask, len(comps)
    return mask, 0


def is_dot_leader(boxes: list[tuple[int, int, int, int]], dpi: float) -> bool:
    """Three or more small marks on one baseline, evenly spaced: printed dots ("…", "。。。"), not dust."""
    if len(boxes) < 3:
        return False
    ys = sorted(y + h for _x, y, _w, h in boxes)
    xs = sorted(x for x, _y, _w, _h in boxes)
    gaps = np.diff(xs)
    return (ys[-1] - ys[0] <= max(3, 0.15 * em(dpi)) and float(gaps.max()) <= 1.2 * em(dpi)
            and float(gaps.max()) <= 2.5 * max(float(np.median(gaps)), 1.0))


def dotted(mask: np.ndarray, dpi: float) -> bool:
    """Are a cell's marks printed dots on one baseline ("…")."""
    _n, _lab, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return is_dot_leader([tuple(int(v) for v in s[:4]) for s in stats[1:]], dpi)


def split_lines(mask: np.ndarray, dpi: float) -> list[tuple[int, int]]:
    """Row ranges [y0, y1) of the text lines in a cell's ink mask."""
    rows = mask.any(axis=1)
    bands: list[list[int]] = []
    y = 0
    n = len(rows)
    while y < n:
        if rows[y]:
            y0 = y
            while y < n and rows[y]:
                y += 1
            bands.append([y0, y])
        y += 1
    if not bands:
        return []
    # merge bands separated by tiny gaps or too thin to be a line (punctuation, a split stroke)
    min_h = 0.35 * em(dpi)
    merged: list[list[int]] = [bands[0]]
    for b in bands[1:]:
        prev = merged[-1]
        gap = b[0] - prev[1]
        if gap <= max(1, int(0.08 * em(dpi))) or (b[1] - b[0] < min_h and gap < 0.5 * em(dpi)) or \
                (prev[1] - prev[0] < min_h and gap < 0.5 * em(dpi)):
            prev[1] = b[1]
        else:
            merged.append(b)
    return [(a, b) for a, b in merged]


#: a band at least this many ems tall may be two text lines joined by a few pixels (a hair, a speck, a blurred
#: descender) …
BRIDGED_MIN_EM = 1.5
#: … joined where its rows hold at most this much ink (ems of row length; a text line's rows hold far more)
BRIDGE_ROW_EM = 0.15
#: … and each side holds at least half a line of ink (a speck or a hair below a line is no line of its own)
BRIDGED_PART_EM = 0.5


def split_bridged(mask: np.ndarray, bands: Sequence[tuple[int, int]], dpi: float) -> list[tuple[int, int]]:
    """``bands`` (from :func:`split_lines`) with each band taller than ``BRIDGED_MIN_EM`` cut at its inner runs
    of near-empty rows (``BRIDGE_ROW_EM``) that leave at least ``BRIDGED_PART_EM`` of ink on both
    sides: at 150 dpi the gap between two lines of a cell is a few pixels, which a hair or a speck bridges, and
    the two lines were read as one (one of them lost)."""
    e = em(dpi)
    out: list[tuple[int, int]] = []
    for y0, y1 in bands:
        if y1 - y0 < BRIDGED_MIN_EM * e:
            out.append((y0, y1))
            continue
        low = mask[y0:y1].sum(axis=1) <= BRIDGE_ROW_EM * e
        start = y0
        y = y0
        while y < y1:
            if not low[y - y0]:
                y += 1
                continue
            g0 = y
            while y < y1 and low[y - y0]:
                y += 1
            if g0 - start >= BRIDGED_PART_EM * e and y1 - y >= BRIDGED_PART_EM * e:
                out.append((start, g0))
                start = y
        out.append((start, y1))
    return out


#: faint ink is darker than the paper by this share of the cell's contrast (at least ``WEAK_INK_MIN`` levels):
#: low enough for a thin "一" at 150 dpi, high enough that the noise and JPEG blocks of a harsh 150-dpi scan do
#: not widen a line's crop over empty paper (measured on 150/200-dpi corpus crops: 0.22 → 0.3 reads 2.5% more
#: cells of a harsh scan right, none fewer at 150 or 200 dpi)
WEAK_INK_SHARE = 0.3
WEAK_INK_MIN = 24.0


def weak_ink(crop: np.ndarray) -> np.ndarray:
    """Faint strokes too (thin "一" at 150 dpi is light grey after blur and JPEG)."""
    paper, dark = gray_percentiles(crop, (90, 0.3))
    return crop < paper - max(WEAK_INK_MIN, WEAK_INK_SHARE * (paper - dark))


def line_extent(mask: np.ndarray, weak: np.ndarray, y0: int, y1: int, dpi: float) -> tuple[int, int]:
    """Horizontal extent of a text line: its clear ink, widened over adjacent faint ink."""
    cols = np.nonzero(mask[y0:y1].any(axis=0))[0]
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    faint = weak[y0:y1].any(axis=0)
    step = max(2, int(1.1 * em(dpi)))
    while x0 > 0 and faint[max(0, x0 - step): x0].any():
        x0 = max(0, x0 - step) + int(np.argmax(faint[max(0, x0 - step): x0]))
    while x1 < len(faint) and faint[x1: x1 + step].any():
        x1 = x1 + int(np.nonzero(faint[x1: x1 + step])[0][-1]) + 1
    return x0, x1


#: a band of ink shorter than this share of a text line (a dash, a dot, a low-resolution "一") is cropped as a
#: whole line's height around it, as the recogniser saw such marks in training (measured on corpus crops: 150-dpi
#: cells read 4.7% better, none worse at 200 dpi)
MIN_LINE_SHARE = 0.8


def text_line_band(y0: int, y1: int, height: int, dpi: float) -> tuple[int, int]:
    """The band (y0, y1) widened about its centre to at least ``MIN_LINE_SHARE`` of a text line's height,
    within the cell (``height``)."""
    need = int(MIN_LINE_SHARE * em(dpi))
    if y1 - y0 >= need:
        return y0, y1
    top = max(0, (y0 + y1) // 2 - need // 2)
    return top, min(height, top + need)


def line_crop(crop: np.ndarray, mask: np.ndarray, y0: int, y1: int, dpi: float) -> tuple[np.ndarray, int, int]:
    """Crop of one text line with a margin; with its offset in the cell.  Ink of the neighbouring lines is
    painted over with paper; everything within the line's own band is left as scanned."""
    weak = weak_ink(crop)
    x0, x1 = line_extent(mask, weak, y0, y1, dpi)
    pad = max(2, round(0.18 * (y1 - y0 + 4)))
    ya, yb = max(0, y0 - pad), min(crop.shape[0], y1 + pad)
    xa, xb = max(0, x0 - pad), min(crop.shape[1], x1 + pad)
    piece = crop[ya:yb, xa:xb].copy()
    keep = cv2.dilate(mask[ya:yb, xa:xb].astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    keep[: max(0, y0 - ya - 1)] = False
    keep[y1 - ya + 1:] = False
    paper = int(gray_percentiles(crop, (90,))[0])
    foreign = weak[ya:yb, xa:xb] & ~keep & ~_in_band(piece.shape, y0 - ya, y1 - ya)
    piece[foreign] = paper  # ink of the neighbouring lines
    border = max(2, (y1 - y0) // 4)
    piece = cv2.copyMakeBorder(piece, border, border, border, border, cv2.BORDER_CONSTANT, value=paper)
    return piece, xa, ya


def _in_band(shape: tuple[int, ...], a: int, b: int) -> np.ndarray:
    band = np.zeros(shape, bool)
    band[max(0, a - 1): max(0, b + 1)] = True
    return band


def drop_tall_marks(mask: np.ndarray, max_height: float) -> np.ndarray:
    """``mask`` without connected marks taller than ``max_height`` (a scan's dark page edge, a binding shadow or
    a stray ruling beside a caption, which would join every text line into one band)."""
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    tall = np.nonzero(stats[1:, cv2.CC_STAT_HEIGHT] > max_height)[0] + 1
    if len(tall) == 0:
        return mask
    return mask & ~np.isin(labels, tall)
