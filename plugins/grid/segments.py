"""Ruling segments: the axis-aligned pieces of ruled lines found in a line mask, and the pixel lengths the grid
rules use at a page's dpi.  Shared by ``lattice`` (whole grids) and ``strip`` (one-row tables)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True, slots=True)
class Segment:
    """An axis-aligned ruling segment: ``pos`` is its y (horizontal) or x (vertical); [lo, hi] its extent."""

    pos: float
    lo: float
    hi: float

    @property
    def length(self) -> float:
        return self.hi - self.lo


@dataclass(frozen=True, slots=True)
class Scale:
    """Pixel lengths derived from the dpi."""

    long_kernel: int  # opening length that keeps horizontal rulings and drops text strokes
    long_kernel_v: int  # the same for vertical rulings (rows can be shorter than columns are wide)
    short_kernel: int  # opening length for the permissive coverage masks
    gap: int  # broken-ruling gaps closed before opening
    tol: int  # positions closer than this are the same ruling
    touch: int  # a segment end within this distance of a perpendicular ruling touches it

    @classmethod
    def for_dpi(cls, dpi: float) -> Scale:
        f = dpi / 200.0
        return cls(long_kernel=max(20, round(70 * f)), long_kernel_v=max(18, round(56 * f)),
                   short_kernel=max(12, round(36 * f)), gap=max(2, round(3 * f)),
                   tol=max(3, round(6 * f)), touch=max(4, round(10 * f)))


def extract_segments(mask: np.ndarray, horizontal: bool, min_length: int) -> list[Segment]:
    """One segment per connected component of a line mask.  Only the window holding the mask's ink is
    labelled (a ruling mask is mostly empty; labelling costs per pixel), and of it only the rows and columns
    near ink (``occupied``): its corner is kept on even coordinates, and rows and columns are kept or dropped
    in aligned pairs, so the labeller's 2×2 blocks, and with them the components' order, are those of the
    page."""
    x0, y0, w0, h0 = cv2.boundingRect(mask)
    if w0 == 0 or h0 == 0:
        return []
    x0, y0 = x0 - x0 % 2, y0 - y0 % 2
    window = mask[y0: y0 + h0 + 2, x0: x0 + w0 + 2]
    rows = occupied(window.max(axis=1))
    cols = occupied(window.max(axis=0))
    n, _, stats, _ = cv2.connectedComponentsWithStats(window[np.ix_(rows, cols)], connectivity=8)
    segs = []
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        # back to page coordinates: a component's first and last row and column are ones that were kept
        x, w = x0 + int(cols[x]), int(cols[x + w - 1] - cols[x]) + 1
        y, h = y0 + int(rows[y]), int(rows[y + h - 1] - rows[y]) + 1
        if horizontal and w >= min_length:
            segs.append(Segment(pos=y + h / 2.0, lo=float(x), hi=float(x + w)))
        elif not horizontal and h >= min_length:
            segs.append(Segment(pos=x + w / 2.0, lo=float(y), hi=float(y + h)))
    return segs


def occupied(line_max: np.ndarray) -> np.ndarray:
    """Indices of the lines (rows or columns) to label, from each line's maximum: the aligned pairs of lines
    (0-1, 2-3, ...) holding any ink, and after each run of those one empty pair, so that what the dropped empty
    lines kept apart stays apart.  A labeller's block scan meets the components in the same order."""
    n = len(line_max)
    pairs = np.zeros((n + 1) // 2 * 2, bool)
    pairs[:n] = line_max > 0
    inked = pairs.reshape(-1, 2).any(axis=1)
    keep = inked.copy()
    keep[1:] |= inked[:-1]
    idx = np.flatnonzero(np.repeat(keep, 2))
    return idx[idx < n]


def merge_collinear(segs: list[Segment], tol: float, max_gap: float) -> list[Segment]:
    """Join pieces of one broken ruling: same position within ``tol``, gap at most ``max_gap``."""
    out: list[Segment] = []
    for s in sorted(segs, key=lambda s: (round(s.pos / max(tol, 1)), s.lo)):
        for i, o in enumerate(out):
            if abs(o.pos - s.pos) <= tol and s.lo - o.hi <= max_gap and o.lo - s.hi <= max_gap:
                w = o.length + s.length
                out[i] = Segment(pos=(o.pos * o.length + s.pos * s.length) / max(w, 1e-9),
                                 lo=min(o.lo, s.lo), hi=max(o.hi, s.hi))
                break
        else:
            out.append(s)
    return out
