"""Double rulings: two parallel lines closer than a line of text with nothing between them are one border.

Forms frame a table or its header in a double line; a scanner's streak can run a few pixels beside a printed
ruling; a spreadsheet's ragged export prints one border as two strokes.  Positions closer than the grid's
tolerance are already one ruling (``lattice.cluster_positions``); two lines a little farther apart become two
edges and a sliver of a row (column) that holds nothing.  A real row or column holds text, at least a
character's height (width) of it; so consecutive edges closer than :data:`MAX_GAP_EM` of the body text
whose band between them holds no ink (beyond noise) are one border, and the darker of the two lines (the
printed one, not a faint streak) is kept.  Where text lies between them, both are kept: two real borders.
"""

from __future__ import annotations

import numpy as np

from pipeline.geometry import em

#: edges closer than this share of the body text height can be a double ruling (a row or column narrower than
#: a character cannot hold one)
MAX_GAP_EM = 0.7
#: the band between them holds no text when at most this share of its pixels are ink
MAX_INK = 0.01


def band_is_empty(text_ink: np.ndarray, a: float, b: float, lo: float, hi: float, margin: int,
                  horizontal: bool) -> bool:
    """Whether the band between edges ``a`` < ``b`` (rows when ``horizontal``), over [lo, hi] of the other
    direction, holds no text ink (``margin`` pixels next to each edge are the rulings' own width)."""
    p0, p1 = round(a) + margin, round(b) - margin
    if p1 <= p0:
        return True
    q0, q1 = max(0, round(lo)), max(0, round(hi))
    band = text_ink[p0:p1, q0:q1] if horizontal else text_ink[q0:q1, p0:p1]
    return band.size == 0 or float(np.count_nonzero(band)) <= MAX_INK * band.size


def darkness(gray: np.ndarray, pos: float, lo: float, hi: float, margin: int, horizontal: bool) -> float:
    """How dark the line at ``pos`` is: the median over its length of the darkest pixel across it."""
    p0, p1 = max(0, round(pos) - margin), round(pos) + margin + 1
    q0, q1 = max(0, round(lo)), max(0, round(hi))
    strip = gray[p0:p1, q0:q1].min(axis=0) if horizontal else gray[q0:q1, p0:p1].min(axis=1)
    return 255.0 - float(np.median(strip)) if strip.size else 0.0


def merge_doubles(edges: list[float], other: list[float], gray: np.ndarray, text_ink: np.ndarray, dpi: float,
                  margin: int, horizontal: bool) -> list[float]:
    """``edges`` (row edges when ``horizontal``, else column edges) with every double ruling made one edge:
    consecutive edges closer than :data:`MAX_GAP_EM` with an empty band between them keep the darker line.
    ``other`` are the perpendicular edges (the table's extent along the lines)."""
    if len(edges) < 3 or len(other) < 2:
        return edges
    lo, hi = other[0], other[-1]
    out = [edges[0]]
    for e in edges[1:]:
        prev = out[-1]
        if e - prev < MAX_GAP_EM * em(dpi) and band_is_empty(text_ink, prev, e, lo, hi, margin, horizontal):
            if darkness(gray, e, lo, hi, margin, horizontal) > darkness(gray, prev, lo, hi, margin, horizontal):
                out[-1] = e
            continue
        out.append(e)
    return out if len(out) >= 2 else edges
