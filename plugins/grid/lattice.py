"""Ruled-table grid detection on an upright, deskewed page image (pixels, top-left origin, y down).

A chain of small pure functions, each keeping its intermediate result inspectable:

``binarize`` -> ``line_masks`` (morphological opening with long kernels; short gaps of broken scanned rulings are
closed first) -> ``segments.extract_segments`` (connected runs of each mask, as axis-aligned segments) ->
``group_tables`` (segments that touch form one table) -> ``grid_edges`` (cluster the positions of the segments
that meet at least two perpendicular ones: a lone dash "——" in a cell is not a ruling) ->
``boundary_coverage`` (how much of each cell side is drawn, measured on a permissive short-kernel mask) ->
``spans_from_coverage`` (cells with an undrawn side between them are merged; union-find, closed to rectangles).
Two refinements live in their own modules: ``stacked`` (a group of rulings holding two tables stacked close
together is cut between them) and ``partial`` (rows of a tall band separated by whitespace only, in tables whose
body rows are not ruled).

Tuning lengths scale with the page's dpi (rulings of 1 px at 150 dpi survive; text strokes do not).
"""

from __future__ import annotations

from itertools import pairwise

import cv2
import numpy as np

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.model import BBox, Grid, PageImage
from plugins.grid import double, faint, gapcols, partial, stacked, strip
from plugins.grid.segments import Scale, Segment, extract_segments, merge_collinear


def binarize(gray: np.ndarray, dpi: float) -> np.ndarray:
    """uint8 mask (255 = ink) of pixels darker than their surroundings; keeps faint 1-px rulings."""
    block = round(dpi / 8) | 1
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 9)


def line_masks(ink: np.ndarray, scale: Scale) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling masks (uint8) from a binary ink mask."""
    h_closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((1, scale.gap), np.uint8))
    v_closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((scale.gap, 1), np.uint8))
    horiz = cv2.morphologyEx(h_closed, cv2.MORPH_OPEN, np.ones((1, scale.long_kernel), np.uint8))
    vert = cv2.morphologyEx(v_closed, cv2.MORPH_OPEN, np.ones((scale.long_kernel_v, 1), np.uint8))
    # bridge 1-px steps of slightly tilted lines
    horiz = cv2.dilate(horiz, np.ones((3, 3), np.uint8))
    vert = cv2.dilate(vert, np.ones((3, 3), np.uint8))
    return horiz, vert


def coverage_masks(ink: np.ndarray, scale: Scale) -> tuple[np.ndarray, np.ndarray]:
    """Ruling masks for measuring how much of a cell side is drawn: runs longer than one CJK character (its
    strokes must not count as a ruling), far shorter than the narrowest cell."""
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, scale.short_kernel), np.uint8))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((scale.short_kernel, 1), np.uint8))
    return horiz > 0, vert > 0


def drop_overshooting(hs: list[Segment], vs: list[Segment], margin: float
                      ) -> tuple[list[Segment], list[Segment]]:
    """Drop segments that run far past the table: scanner feeder streaks and hairs cross a table, rulings stop
    at its border.  Vertical rulings must stop at the top and bottom rulings, except where the table's border
    on that side is not printed (most of its column rulings end there together, ``open_side``); horizontal
    ones may run past one side (tables printed open at the left or right) but not past both."""
    if not hs or not vs:
        return hs, vs
    # the table's extent from rulings that meet at least two perpendicular ones (a streak meets the paper
    # edge once; a ruling meets many)
    tol = margin / 3
    hs_sup = [h for h in hs if sum(touches(h, v, tol) for v in vs) >= 2] or hs
    vs_sup = [v for v in vs if sum(touches(v, h, tol) for h in hs) >= 2] or vs
    top, bottom = min(h.pos for h in hs_sup), max(h.pos for h in hs_sup)
    left, right = min(v.pos for v in vs_sup), max(v.pos for v in vs_sup)
    up = [v for v in vs if v.lo < top - margin]
    down = [v for v in vs if v.hi > bottom + margin]
    vs2 = [v for v in vs if not (v in up and v in down)
           and not (v in up and not open_side([u.lo for u in up], v.lo, len(vs_sup), margin))
           and not (v in down and not open_side([d.hi for d in down], v.hi, len(vs_sup), margin))]
    hs2 = [h for h in hs if not (h.lo < left - margin and h.hi > right + margin)]
    return hs2, vs2


def open_side(ends: list[float], end: float, n_rulings: int, margin: float) -> bool:
    """Does a ruling that runs past the table's top (bottom) ruling end where an unprinted border would be:
    at least half of the table's rulings (two at least) run past it and end together with this one?  A
    continuation printed without its top (bottom) border; a streak ends alone."""
    together = sum(1 for e in ends if abs(e - end) <= margin)
    return together >= max(2, n_rulings / 2)


def touches(a: Segment, b: Segment, tol: float) -> bool:
    """Does segment ``a`` meet perpendicular segment ``b`` (within ``tol`` pixels)?"""
    return b.lo - tol <= a.pos <= b.hi + tol and a.lo - tol <= b.pos <= a.hi + tol


def group_tables(hs: list[Segment], vs: list[Segment], tol: float) -> list[tuple[list[Segment], list[Segment]]]:
    """Connected groups of touching horizontal/vertical segments (union-find)."""
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if touches(h, v, tol):
                a, b = find(i), find(len(hs) + j)
                if a != b:
                    parent[a] = b
    groups: dict[int, tuple[list[Segment], list[Segment]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    return [g for g in groups.values() if g[0] and g[1]]


def cluster_positions(segs: list[Segment], tol: float) -> list[float]:
    """Length-weighted mean position of each cluster of nearby segment positions."""
    if not segs:
        return []
    ordered = sorted(segs, key=lambda s: s.pos)
    clusters: list[list[Segment]] = [[ordered[0]]]
    for s in ordered[1:]:
        if s.pos - clusters[-1][-1].pos <= tol:
            clusters[-1].append(s)
        else:
            clusters.append([s])
    return [sum(s.pos * s.length for s in c) / sum(s.length for s in c) for c in clusters]


def grid_edges(hs: list[Segment], vs: list[Segment], scale: Scale) -> tuple[list[float], list[float]]:
    """Row and column edges of one table from its segments.

    A segment counts as a ruling when it meets at least two perpendicular segments (or spans most of the
    table).  Horizontal rulings that run past the outermost vertical ones (tables open at the sides) add an
    edge at their common end, and likewise for vertical rulings.
    """
    x0 = min(min(h.lo for h in hs), min(v.pos for v in vs))
    x1 = max(max(h.hi for h in hs), max(v.pos for v in vs))
    y0 = min(min(v.lo for v in vs), min(h.pos for h in hs))
    y1 = max(max(v.hi for v in vs), max(h.pos for h in hs))
    width, height = x1 - x0, y1 - y0
    rows = [h for h in hs if sum(touches(h, v, scale.touch) for v in vs) >= 2 or h.length > 0.6 * width]
    cols = [v for v in vs if sum(touches(v, h, scale.touch) for h in hs) >= 2 or v.length > 0.6 * height]
    row_edges = cluster_positions(rows, scale.tol)
    col_edges = cluster_positions(cols, scale.tol)
    if not row_edges or not col_edges:
        return [], []
    # open sides: rulings extending well past the outer perpendicular edge
    min_ext = 3 * scale.touch
    left = [h.lo for h in rows if h.lo < col_edges[0] - min_ext]
    right = [h.hi for h in rows if h.hi > col_edges[-1] + min_ext]
    top = [v.lo for v in cols if v.lo < row_edges[0] - min_ext]
    bottom = [v.hi for v in cols if v.hi > row_edges[-1] + min_ext]
    if len(left) >= 2:
        col_edges.insert(0, float(np.median(left)))
    if len(right) >= 2:
        col_edges.append(float(np.median(right)))
    if len(top) >= 2:
        row_edges.insert(0, float(np.median(top)))
    if len(bottom) >= 2:
        row_edges.append(float(np.median(bottom)))
    return row_edges, col_edges


def boundary_coverage(h_cov: np.ndarray, v_cov: np.ndarray, row_edges: list[float], col_edges: list[float],
                      tol: int) -> tuple[np.ndarray, np.ndarray]:
    """Drawn share of every internal cell side.

    ``vcov[r, c]`` is the share of the vertical side between cells (r, c) and (r, c+1) that is inked;
    ``hcov[r, c]`` the share of the horizontal side between (r, c) and (r+1, c).
    """
    nr, nc = len(row_edges) - 1, len(col_edges) - 1
    vcov = np.zeros((nr, max(nc - 1, 0)))
    hcov = np.zeros((max(nr - 1, 0), nc))
    H, W = h_cov.shape
    for c in range(1, nc):
        x = round(col_edges[c])
        strip = v_cov[:, max(0, x - tol): min(W, x + tol + 1)].any(axis=1)
        for r in range(nr):
            a, b = _inner(row_edges[r], row_edges[r + 1], tol)
            vcov[r, c - 1] = strip[a:b].mean() if b > a else 1.0
    for r in range(1, nr):
        y = round(row_edges[r])
        strip = h_cov[max(0, y - tol): min(H, y + tol + 1), :].any(axis=0)
        for c in range(nc):
            a, b = _inner(col_edges[c], col_edges[c + 1], tol)
            hcov[r - 1, c] = strip[a:b].mean() if b > a else 1.0
    return vcov, hcov


def _inner(lo: float, hi: float, tol: int) -> tuple[int, int]:
    """Integer range of a cell side, without the corners where perpendicular rulings cross."""
    a, b = round(lo) + tol + 1, round(hi) - tol - 1
    return a, b


def spans_from_coverage(vcov: np.ndarray, hcov: np.ndarray, threshold: float = 0.5
                        ) -> list[tuple[int, int, int, int]]:
    """(row, col, rowspan, colspan) of every cell: neighbours with an undrawn side between them are merged,
    and every merged group is closed to the rectangle that contains it."""
    nr = vcov.shape[0] if vcov.size else hcov.shape[0] + 1
    nc = hcov.shape[1] if hcov.size else vcov.shape[1] + 1
    label = np.arange(nr * nc).reshape(nr, nc)
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(nr):
        for c in range(nc - 1):
            if vcov[r, c] < threshold:
                union(label[r, c], label[r, c + 1])
    for r in range(nr - 1):
        for c in range(nc):
            if hcov[r, c] < threshold:
                union(label[r, c], label[r + 1, c])
    changed = True
    while changed:  # close each group to its bounding rectangle
        changed = False
        boxes: dict[int, list[int]] = {}
        for r in range(nr):
            for c in range(nc):
                g = find(label[r, c])
                b = boxes.setdefault(g, [r, c, r, c])
                b[0], b[1], b[2], b[3] = min(b[0], r), min(b[1], c), max(b[2], r), max(b[3], c)
        for g, (r0, c0, r1, c1) in boxes.items():
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if find(label[r, c]) != find(g):
                        union(label[r, c], g)
                        changed = True
    seen: dict[int, tuple[int, int, int, int]] = {}
    for r in range(nr):
        for c in range(nc):
            g = find(label[r, c])
            if g not in seen:
                seen[g] = (r, c, 1, 1)
            else:
                r0, c0, _, _ = seen[g]
                rs, cs = seen[g][2], seen[g][3]
                seen[g] = (r0, c0, max(rs, r - r0 + 1), max(cs, c - c0 + 1))
    return sorted(seen.values())


#: a page whose grids, found from its solid rulings alone, hold at least this share of its ink is ruled solid:
#: the search for faint, dotted or dashed rulings (``faint``) is skipped.  Only a page with much ink outside
#: its solid-ruled tables (a grid drawn dotted, a table whose rulings broke up) needs it.
SOLID_INK_SHARE = 0.6


def find_grids(gray: np.ndarray, dpi: float, min_width_frac: float = 0.15) -> list[Grid]:
    """All ruled table grids on the page: from its solid rulings, and where those leave much of the page's ink
    outside any table, again with the rulings the ink mask breaks (dotted, dashed, faint) added."""
    scale = Scale.for_dpi(dpi)
    ink = binarize(gray, dpi)
    rulings = line_masks(ink, scale)
    coverage = coverage_masks(ink, scale)
    solid = grids_from_masks(gray, ink, rulings, coverage, None, dpi, min_width_frac)
    if ink_share(ink, solid) >= SOLID_INK_SHARE:
        return solid
    added = faint.faint_rulings(gray, ink, rulings, coverage, scale.long_kernel, scale.long_kernel_v,
                                scale.short_kernel)
    if not any(m.any() for m in added):
        return solid
    return grids_from_masks(gray, ink, rulings, coverage, added, dpi, min_width_frac)


def ink_share(ink: np.ndarray, grids: list[Grid]) -> float:
    """Share of the ink mask's pixels inside the grids' boxes."""
    total = int(np.count_nonzero(ink))
    if not total or not grids:
        return 0.0
    inside = np.zeros(ink.shape, bool)
    for g in grids:
        b = g.bbox
        inside[max(0, int(b.top)):int(b.bottom) + 1, max(0, int(b.x0)):int(b.x1) + 1] = True
    return int(np.count_nonzero(ink[inside])) / total


def grids_from_masks(gray: np.ndarray, ink: np.ndarray, rulings: tuple[np.ndarray, np.ndarray],
                     coverage: tuple[np.ndarray, np.ndarray],
                     added: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None, dpi: float,
                     min_width_frac: float) -> list[Grid]:
    """Grids from the ink's ruling and coverage masks plus ``added`` rulings (``faint.faint_rulings``'s four
    masks: rulings for both, coverage only; None: none), none of them modified."""
    scale = Scale.for_dpi(dpi)
    horiz, vert = rulings
    h_cov, v_cov = coverage
    marks = ink  # what may separate two stacked tables
    if added is not None:
        faint_h, faint_v, cov_h, cov_v = added
        horiz = horiz | cv2.dilate(faint_h, np.ones((3, 3), np.uint8))
        vert = vert | cv2.dilate(faint_v, np.ones((3, 3), np.uint8))
        h_cov = h_cov | (faint_h > 0) | (cov_h > 0)
        v_cov = v_cov | (faint_v > 0) | (cov_v > 0)
        marks = ink | faint_h | faint_v
    max_gap = 4 * scale.touch
    hs = merge_collinear(extract_segments(horiz, True, scale.long_kernel), scale.tol, max_gap)
    vs = merge_collinear(extract_segments(vert, False, scale.long_kernel_v), scale.tol, max_gap)
    page_h, page_w = gray.shape
    # a vertical line over (nearly) the whole sheet is a paper edge or a feeder streak, never a ruling
    vs = [v for v in vs if v.length < 0.88 * page_h]
    hs = [h for h in hs if h.length < 0.97 * page_w]
    vs = vs + strip.strip_verticals(ink, hs, vs, scale, dpi)  # one-row strips: verticals shorter than the kernel
    grids: list[Grid] = []
    groups = []
    for ghs, gvs in group_tables(hs, vs, scale.touch):
        for _ in range(3):  # pruning a streak can expose the next one
            n = len(ghs) + len(gvs)
            ghs, gvs = drop_overshooting(ghs, gvs, 3 * scale.touch)
            if len(ghs) + len(gvs) == n:
                break
        for shs, svs in stacked.split_stacked(ghs, gvs, marks, scale.tol // 2 + 1, scale.gap):
            groups.extend(group_tables(shs, svs, scale.touch))
    # ink that is not a ruling: text lines of unruled rows (a full-page mask: only made for a page with a table)
    text_ink = ink & ~horiz & ~vert if groups else ink
    for ghs, gvs in groups:
        row_edges, col_edges = grid_edges(ghs, gvs, scale)
        if len(row_edges) < 2 or len(col_edges) < 2:
            continue
        margin = scale.tol // 2 + 1
        row_edges = double.merge_doubles(row_edges, col_edges, gray, text_ink, dpi, margin, True)
        col_edges = double.merge_doubles(col_edges, row_edges, gray, text_ink, dpi, margin, False)
        n_cells = (len(row_edges) - 1) * (len(col_edges) - 1)
        width = col_edges[-1] - col_edges[0]
        if n_cells < 2 or width < min_width_frac * page_w:
            continue
        # a frame around the whole sheet (paper edge, scanner shadow) is not a table
        if width > 0.97 * page_w or row_edges[-1] - row_edges[0] > 0.97 * page_h:
            continue
        vcov, hcov = boundary_coverage(h_cov, v_cov, row_edges, col_edges, scale.tol // 2 + 1)
        spans = spans_from_coverage(vcov, hcov)
        inferred: list[int] = []
        ambiguous: list[int] = []
        splits = partial.split_rows(text_ink, row_edges, col_edges, dpi, scale.tol)
        if splits:  # partially ruled: rows separated by whitespace inside a tall band
            row_edges, inferred, ambiguous, origin = partial.apply_splits(row_edges, splits)
            vcov, hcov = boundary_coverage(h_cov, v_cov, row_edges, col_edges, scale.tol // 2 + 1)
            hcov = partial.draw_inferred(hcov, inferred, origin, spans)
            spans = spans_from_coverage(vcov, hcov)
        inferred_c: list[int] = []
        ambiguous_c: list[int] = []
        csplits = gapcols.split_cols(text_ink, row_edges, col_edges, spans, dpi, scale.tol)
        if csplits:  # rows ruled, columns not: columns from aligned text gaps
            old_cols = col_edges
            col_edges, inferred_c, ambiguous_c, drawn = gapcols.apply_splits(col_edges, csplits, scale.tol)
            vcov, hcov_new = boundary_coverage(h_cov, v_cov, row_edges, col_edges, scale.tol // 2 + 1)
            old_of = [int(np.searchsorted(old_cols, (a + b) / 2)) - 1 for a, b in pairwise(col_edges)]
            hcov = np.maximum(hcov_new, hcov[:, old_of]) if hcov.size else hcov_new  # inferred rows stay drawn
            vcov = gapcols.draw_inferred(vcov, drawn)
            spans = spans_from_coverage(vcov, hcov)
        sides = np.concatenate([vcov.ravel(), hcov.ravel()])
        ambiguous_sides = float(np.mean((sides > 0.2) & (sides < 0.8))) if sides.size else 0.0
        grids.append(Grid(bbox=BBox(col_edges[0], row_edges[0], col_edges[-1], row_edges[-1]),
                          row_edges=tuple(row_edges), col_edges=tuple(col_edges), spans=tuple(spans),
                          line_score=round(1.0 - ambiguous_sides, 4), inferred_rows=tuple(inferred),
                          ambiguous_rows=tuple(ambiguous), inferred_cols=tuple(inferred_c),
                          ambiguous_cols=tuple(ambiguous_c)))
    return grids


@hookimpl
def detect_grids(page: PageImage, config: PipelineConfig) -> list[Grid]:
    return find_grids(page.gray, page.dpi, config.min_table_width_frac)
