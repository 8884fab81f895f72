"""Two tables stacked close together stay two tables.

Spreadsheet exports often print a second table a few millimetres below the first, with the same columns.  The
pieces of their vertical rulings are collinear and close, so ``merge_collinear`` (which mends broken rulings)
joins them and one tall grid swallows both.  A table's rows are always crossed by some vertical ruling (at
least its outer box); the strip between two stacked tables is crossed by none.  So a group of rulings is cut
between two consecutive full-width horizontal rulings when no column of ink spans the strip between them
(``cut_bands``) and each side keeps vertical rulings of its own; the vertical segments that were joined
across the strip are cut there too (``split_at``).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import Protocol, TypeVar

import numpy as np


class Segment(Protocol):
    """What is needed of ``plugins.grid.lattice.Segment`` (a frozen dataclass)."""

    pos: float
    lo: float
    hi: float

    @property
    def length(self) -> float: ...


S = TypeVar("S", bound=Segment)

#: a horizontal ruling is full-width when it spans this share of the group's width
FULL_WIDTH = 0.8
#: an ink column crosses a strip when it inks this share of the strip's height
CROSSING = 0.9


def cut_bands(hs: list[S], vs: list[S], ink: np.ndarray, tol: int, min_gap: float
              ) -> list[tuple[float, float]]:
    """(top, bottom) of every strip between consecutive full-width horizontal rulings that no vertical
    ruling crosses, at least ``min_gap`` pixels high, with vertical rulings on both sides."""
    if len(hs) < 4 or len(vs) < 4:
        return []
    x0, x1 = min(h.lo for h in hs), max(h.hi for h in hs)
    full = sorted((h for h in hs if h.length >= FULL_WIDTH * (x1 - x0)), key=lambda h: h.pos)
    out = []
    for a, b in pairwise(full):
        top, bottom = round(a.pos) + tol, round(b.pos) - tol  # ``tol``: the rulings' half thickness
        if bottom - top < min_gap:
            continue
        strip = ink[top:bottom, max(0, round(x0) - tol): round(x1) + tol + 1] > 0
        if strip.size == 0 or (strip.mean(axis=0) >= CROSSING).any():
            continue
        above = [v for v in vs if v.lo < a.pos - tol]
        below = [v for v in vs if v.hi > b.pos + tol]
        if len({round(v.pos) for v in above}) >= 2 and len({round(v.pos) for v in below}) >= 2:
            out.append((a.pos, b.pos))
    return out


def split_at(hs: list[S], vs: list[S], bands: list[tuple[float, float]]) -> list[tuple[list[S], list[S]]]:
    """The rulings of each table between the ``bands`` (vertical segments crossing a band are cut there)."""
    edges = [-np.inf] + [y for band in bands for y in band] + [np.inf]
    parts = []
    for k in range(0, len(edges), 2):
        lo, hi = edges[k], edges[k + 1]
        phs = [h for h in hs if lo - 0.5 <= h.pos <= hi + 0.5]
        pvs = [replace(v, lo=max(v.lo, lo), hi=min(v.hi, hi)) for v in vs if v.hi > lo and v.lo < hi]
        parts.append((phs, [v for v in pvs if v.length > 0]))
    return parts


def split_stacked(hs: list[S], vs: list[S], ink: np.ndarray, tol: int, min_gap: float
                  ) -> list[tuple[list[S], list[S]]]:
    """The group's rulings, split into stacked tables where there are several."""
    bands = cut_bands(hs, vs, ink, tol, min_gap)
    return split_at(hs, vs, bands) if bands else [(hs, vs)]
