"""Vertical rulings of a table strip: a single ruled row between two horizontal rulings.

A table's vertical rulings are found with an opening longer than any text stroke (``Scale.long_kernel_v``), which
assumes they span several rows.  A table printed as one row (the last row of a table carried to a page of its own,
a one-line header or total strip) has vertical rulings only one row tall, shorter than that kernel, so the strip
has no verticals and is dropped.  Between two parallel horizontal rulings of the same extent that no vertical
ruling joins, a vertical run of ink that reaches from the upper ruling to the lower one is a ruling: text strokes
never touch both borders of their row.  The strip counts as a table only when such runs close it at both ends,
the row is tall enough to hold a line of body text, its cells are at least a character wide and it is mostly
paper (a halftone bar or a hatched band between two rules is dense with vertical runs, a ruled row is not).
"""

from __future__ import annotations

from itertools import pairwise

import cv2
import numpy as np

from pipeline.geometry import em
from plugins.grid.segments import Scale, Segment, extract_segments


def _overlap(a: Segment, b: Segment) -> float:
    """Shared extent of two parallel segments as a share of the shorter one."""
    shared = min(a.hi, b.hi) - max(a.lo, b.lo)
    return shared / max(min(a.length, b.length), 1.0)


def _joined(a: Segment, b: Segment, vs: list[Segment], tol: float) -> bool:
    """Is there a vertical segment already meeting both horizontal rulings?"""
    return any(v.lo - tol <= a.pos and v.hi + tol >= b.pos and min(a.hi, b.hi) + tol >= v.pos >= max(a.lo, b.lo) - tol
               for v in vs)


def band_rulings(ink: np.ndarray, a: Segment, b: Segment, scale: Scale) -> list[float]:
    """x positions of vertical runs of ink reaching from ruling ``a`` down to ruling ``b``."""
    top, bottom = int(a.pos) - scale.tol, round(b.pos) + scale.tol + 1
    x0, x1 = int(max(a.lo, b.lo)) - scale.touch, int(min(a.hi, b.hi)) + scale.touch + 1
    band = cv2.morphologyEx(ink[max(top, 0):bottom, max(x0, 0):x1], cv2.MORPH_CLOSE,
                            np.ones((scale.gap, 1), np.uint8))  # broken scanned rulings, as in line_masks
    kernel = max(3, int(b.pos - a.pos) - 2 * scale.tol)
    runs = cv2.morphologyEx(band, cv2.MORPH_OPEN, np.ones((kernel, 1), np.uint8))
    segs = extract_segments(runs, False, kernel)
    off_y, off_x = max(top, 0), max(x0, 0)
    return [s.pos + off_x for s in segs
            if s.lo + off_y <= a.pos + scale.tol and s.hi + off_y >= b.pos - scale.tol]


MAX_PAPER_INK = 0.25  # share of ink inside a ruled row of text (body text covers far less)


def _mostly_paper(ink: np.ndarray, a: Segment, b: Segment, tol: int) -> bool:
    inside = ink[int(a.pos) + tol:int(b.pos) - tol + 1, int(max(a.lo, b.lo)):int(min(a.hi, b.hi)) + 1]
    return inside.size > 0 and float(np.count_nonzero(inside)) / inside.size <= MAX_PAPER_INK


def strip_verticals(ink: np.ndarray, hs: list[Segment], vs: list[Segment], scale: Scale, dpi: float
                    ) -> list[Segment]:
    """Vertical ruling segments of one-row table strips that the long-kernel mask missed."""
    added: list[Segment] = []
    ordered = sorted(hs, key=lambda h: h.pos)
    for i, a in enumerate(ordered):
        below = [b for b in ordered[i + 1:] if _overlap(a, b) > 0.9]
        if not below:
            continue
        b = below[0]  # the next ruling of the same extent: the strip's lower border
        height = b.pos - a.pos
        if not (0.8 * em(dpi) <= height <= scale.long_kernel_v + 2 * scale.tol) or _joined(a, b, vs, scale.touch):
            continue
        if not _mostly_paper(ink, a, b, scale.tol):
            continue
        xs = sorted(band_rulings(ink, a, b, scale))
        if any(x1 - x0 < em(dpi) for x0, x1 in pairwise(xs)):
            continue  # runs closer than a character: hatching or a bar code, not cell borders
        lo, hi = max(a.lo, b.lo), min(a.hi, b.hi)
        closed = any(abs(x - lo) <= 2 * scale.touch for x in xs) and any(abs(x - hi) <= 2 * scale.touch for x in xs)
        if len(xs) >= 2 and closed:
            added.extend(Segment(pos=x, lo=a.pos, hi=b.pos) for x in xs)
    return added
