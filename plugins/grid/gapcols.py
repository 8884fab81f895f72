"""Columns of tables whose rows are ruled but whose columns are not: column boundaries from aligned text gaps.

Forms and spreadsheet printouts often rule every row (or a block of rows, like the item block of a customs
declaration) but print no vertical rulings between the columns: the lattice grid then has one wide cell per
row, and each row's values are read as one string.  Here the consecutive rows whose lattice cells share the
same wide horizontal extent (``row_groups``) are searched for x positions that are clear of text in every row
of the group (``common_gaps``), and a column boundary is put in the middle of each such gap:

* the gap is at least ``MIN_COL_GAP_EM`` wide (the space between two words of one value is narrower);
* at least two rows of the group hold text on both sides of it (a single row's spacing proves nothing), and
  it is not beside a column edge the lattice already has (a broken or faint ruling leaves such a gap);
* the rows line up in at least ``MIN_GAPS`` gaps (three columns): a single gap inside a ruled label column is
  more often an enumerator ("一、") followed by tracked text;
* a group with fewer than ``SURE_ROWS`` rows of text (a heading and one item) needs at least
  ``MIN_GAPS_FEW_ROWS`` common gaps — several columns lining up by chance over two rows is unlikely — and its
  boundaries are recorded as ambiguous, as is any gap narrower than ``SURE_GAP_EM`` that fewer than
  ``SURE_BOTH_ROWS`` rows have text on both sides of;
* a row whose text runs across most of the cell without a gap (a paragraph, a note) ends the group: the
  columns above and below it need not be the same.

Every inferred boundary is recorded (``Grid.inferred_cols``; ambiguous ones in ``Grid.ambiguous_cols``) so the
cell stage lowers the confidence of the cells beside it (``partial.inferred_row_confidence``), and flags the
cells beside an ambiguous one.  Boundaries count as drawn only in the rows of their group; in other rows the
cell stays whole (the new edge is an undrawn side there and ``spans_from_coverage`` merges across it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.geometry import em as em_of
from plugins.grid.partial import text_profile

#: a column gap is at least this many ems of whitespace in every row of the group
MIN_COL_GAP_EM = 1.1
#: narrower common gaps are split but recorded as ambiguous
SURE_GAP_EM = 1.6
#: ... unless at least this many rows hold text on both sides of it
SURE_BOTH_ROWS = 5
#: only cells at least this many ems wide are searched (a ruled column is not split)
MIN_CELL_EM = 8.0
#: a group's rows must line up in at least this many gaps (three columns): one gap splitting a text column in
#: two is more often an enumerator ("一、", "（三）") followed by tracked text than two columns
MIN_GAPS = 2
#: groups with fewer rows of text than this need more common gaps and are ambiguous
SURE_ROWS = 3
MIN_GAPS_FEW_ROWS = 3
#: a gap this many ems from a column edge the lattice already has is that ruling's broken or faint stretch
NEAR_EDGE_EM = 1.5
#: a row whose longest run of text without a column gap covers this share of the cell is a paragraph
PARAGRAPH_SHARE = 0.6


@dataclass(frozen=True, slots=True)
class ColSplit:
    """Column boundaries inferred in lattice rows ``rows`` (consecutive) between lattice columns ``c0``..``c1``
    (exclusive): page x of each, and which of them are ambiguous."""

    rows: tuple[int, ...]
    c0: int
    c1: int
    xs: tuple[float, ...]
    ambiguous: tuple[bool, ...]


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[a, b) runs of True in a 1-D bool array."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def is_paragraph(profile: np.ndarray, min_gap: float) -> bool:
    """Does the row's text run over most of the cell with no gap of ``min_gap`` pixels?"""
    ink = runs(profile)
    if not ink:
        return False
    longest, start, end = 0, ink[0][0], ink[0][1]
    for a, b in ink[1:]:
        if a - end >= min_gap:
            longest, start = max(longest, end - start), a
        end = b
    longest = max(longest, end - start)
    return longest >= PARAGRAPH_SHARE * profile.size


def common_gaps(profiles: list[np.ndarray], em: float, edges: tuple[float, ...] = ()) -> list[tuple[float, bool]]:
    """(x of the boundary relative to the cell, ambiguous?) of the gaps clear of text in every profile (one
    bool column profile per row, True = ink); [] when the rows do not show a column structure.  Gaps near
    ``edges`` (the lattice's own column edges inside the cell, same coordinates) are not columns."""
    inked = [p for p in profiles if p.any()]
    if len(inked) < 2:
        return []
    occupied = np.logical_or.reduce(inked)
    span = np.flatnonzero(occupied)
    found = []
    for a, b in runs(~occupied[span[0]: span[-1] + 1]):
        a, b = a + span[0], b + span[0]
        if b - a < MIN_COL_GAP_EM * em:
            continue
        both = sum(1 for p in inked if p[:a].any() and p[b:].any())
        if any(abs((a + b) / 2.0 - e) < NEAR_EDGE_EM * em for e in edges):
            continue
        if both >= 2:  # a narrow gap is ambiguous unless many rows line up on both sides of it
            found.append(((a + b) / 2.0, b - a < SURE_GAP_EM * em and both < SURE_BOTH_ROWS))
    if len(inked) < SURE_ROWS:
        if len(found) < MIN_GAPS_FEW_ROWS:
            return []
        return [(x, True) for x, _ in found]
    return found if len(found) >= MIN_GAPS else []


def row_groups(spans: list[tuple[int, int, int, int]], col_edges: list[float], em: float
               ) -> list[tuple[int, int, list[int]]]:
    """(c0, c1, rows) of every run of consecutive lattice rows whose single-row cells span the same wide
    extent c0..c1."""
    wide: dict[int, tuple[int, int]] = {}
    for r, c, rs, cs in spans:
        if rs == 1 and col_edges[c + cs] - col_edges[c] >= MIN_CELL_EM * em:
            wide.setdefault(r, (c, c + cs))  # rows with two wide cells: the first (rare; kept simple)
    groups: list[tuple[int, int, list[int]]] = []
    for r in sorted(wide):
        if groups and groups[-1][2][-1] == r - 1 and groups[-1][:2] == wide[r]:
            groups[-1][2].append(r)
        else:
            groups.append((*wide[r], [r]))
    return groups


def split_cols(text_ink: np.ndarray, row_edges: list[float], col_edges: list[float],
               spans: list[tuple[int, int, int, int]], dpi: float, tol: int) -> list[ColSplit]:
    """Inferred column boundaries of every group of wide unruled-column rows of one lattice grid.
    ``text_ink`` is the page's ink without rulings (bool or uint8, H×W)."""
    em = em_of(dpi)
    out: list[ColSplit] = []
    for c0, c1, rows in row_groups(spans, col_edges, em):
        x0, x1 = round(col_edges[c0]) + tol, round(col_edges[c1]) - tol
        block: list[tuple[int, np.ndarray]] = []
        for r in [*rows, None]:  # None flushes the last block
            prof = None
            if r is not None:
                top, bottom = round(row_edges[r]) + tol, round(row_edges[r + 1]) - tol
                region = text_ink[top:bottom, x0:x1] > 0 if bottom > top else np.zeros((0, x1 - x0), bool)
                prof = text_profile(region.T, em) if region.size else np.zeros(x1 - x0, bool)
            if prof is None or is_paragraph(prof, MIN_COL_GAP_EM * em):
                inner = tuple(e - x0 for e in col_edges[c0 + 1:c1])
                found = common_gaps([p for _, p in block], em, inner) if block else []
                if found:
                    out.append(ColSplit(rows=tuple(rr for rr, _ in block), c0=c0, c1=c1,
                                        xs=tuple(x0 + x for x, _ in found), ambiguous=tuple(a for _, a in found)))
                block = []
            else:
                block.append((r, prof))
    return out


def apply_splits(col_edges: list[float], splits: list[ColSplit], tol: float
                 ) -> tuple[list[float], list[int], list[int], list[tuple[int, int, int]]]:
    """The grid's column edges with the inferred ones inserted (one within ``tol`` of another is the same);
    the indices (into the new edges) of the inferred and of the ambiguous ones; and (edge, row0, row1) of
    the rows in which each inferred edge is drawn."""
    xs = sorted({x for s in splits for x in s.xs})
    new = list(col_edges)
    for x in xs:
        if min(abs(x - e) for e in new) > tol:
            new.append(x)
    new.sort()
    index = {e: i for i, e in enumerate(new)}
    inferred: set[int] = set()
    ambiguous: set[int] = set()
    drawn: list[tuple[int, int, int]] = []
    for s in splits:
        for x, amb in zip(s.xs, s.ambiguous, strict=True):
            e = min(new, key=lambda v: abs(v - x))
            k = index[e]
            if e in col_edges:
                continue
            inferred.add(k)
            if amb:
                ambiguous.add(k)
            drawn.append((k, s.rows[0], s.rows[-1] + 1))
    return new, sorted(inferred), sorted(ambiguous), drawn


def draw_inferred(vcov: np.ndarray, drawn: list[tuple[int, int, int]]) -> np.ndarray:
    """Coverage of the grid's vertical sides with every inferred column boundary counted as drawn in the
    rows of its group (``vcov[r, k-1]`` is the side at edge ``k``)."""
    out = vcov.copy()
    for k, r0, r1 in drawn:
        out[r0:r1, k - 1] = 1.0
    return out
