"""Structure confidence: grid boundaries the table itself does not support, repaired when the evidence is clear.

A printed table draws each column boundary on every data row (a total row's label may span the code columns,
one or two rows).  A vertical boundary that the grid draws in some data rows but crosses with a spanning cell
in many others is not a column of the table: a scanner streak, a short ruling or a broken line split one
column into pieces, and each row's text landed in whichever piece its cell happened to cover (a 款 code column
read as three columns, its codes alternating between them).  Such a boundary is **removed** when no row — header
rows included — holds text on both of its sides in two different cells (so merging loses nothing and joins
no two printed values); the cells that fall together become one cell.  A doubtful boundary with text on both
sides is left, and its cells are marked doubtful (:func:`doubtful_cells`).

A column map that disagrees with what a fragment holds — a continuation whose "name" column holds subject
codes, a value column holding words where the head's holds amounts — means the fragment's records are keyed by
the wrong columns: every value and key cell of that fragment is marked doubtful (:func:`map_disagreements`).
Doubtful cells are capped below the review threshold by fusion (flag ``structure``), and with them every record
they key or hold.

Pure functions over :class:`~pipeline.model.Table`; the repair runs before typing
(:func:`pipeline.document.recognise.recognise`), the marks after the records are built
(:func:`pipeline.document.analysis.analyse`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pipeline.document.notes import CellRef
from pipeline.model import BBox, Cell, Table

if TYPE_CHECKING:
    from pipeline.document.records import LogicalTable, Row

_CODE_LIKE = re.compile(r"^\d{2,9}$")
#: a fragment disagrees with its column map when at least this share of its rows (or cells) do
DISAGREE_SHARE = 0.5

#: A boundary is doubtful when spanning cells cross it on at least this share of the data rows (and at least
#: ``MIN_CROSSED`` rows) while other data rows draw it.
CROSSED_SHARE = 0.25
MIN_CROSSED = 2


@dataclass(frozen=True, slots=True)
class BoundaryUse:
    """How the data rows treat the boundary between column ``col`` and ``col + 1``."""

    col: int
    drawn: int  # data rows with a cell ending at ``col``
    crossed: int  # data rows with a cell spanning over the boundary
    conflict: bool  # some row (header included) has text in two different cells on both sides

    def doubtful(self, data_rows: int) -> bool:
        return self.drawn > 0 and self.crossed >= max(MIN_CROSSED, CROSSED_SHARE * data_rows)


def boundary_uses(table: Table, first_data_row: int) -> list[BoundaryUse]:
    cover = table.cover()
    out = []
    for j in range(table.n_cols - 1):
        drawn = crossed = 0
        conflict = False
        for r in range(table.n_rows):
            left, right = cover.get((r, j)), cover.get((r, j + 1))
            if left is None or right is None:
                continue
            if left is right:
                crossed += r >= first_data_row
            else:
                drawn += r >= first_data_row
                conflict = conflict or bool(left.text.strip() and right.text.strip())
        out.append(BoundaryUse(j, drawn, crossed, conflict))
    return out


def doubtful_runs(table: Table, first_data_row: int) -> list[tuple[int, int, bool]]:
    """Runs ``(first column, last column, repairable)`` of columns separated by doubtful boundaries."""
    data_rows = max(0, table.n_rows - first_data_row)
    runs: list[tuple[int, int, bool]] = []
    uses = boundary_uses(table, first_data_row)
    doubtful = [u for u in uses if u.doubtful(data_rows)]
    if len(doubtful) >= 3 and len(doubtful) * 2 > len(uses):  # a form (绩效表): spans are its layout, not a defect
        return []
    for u in doubtful:
        if runs and runs[-1][1] == u.col:
            a, _b, ok = runs[-1]
            runs[-1] = (a, u.col + 1, ok and not u.conflict)
        else:
            runs.append((u.col, u.col + 1, not u.conflict))
    return runs


def _union(boxes: Sequence[BBox]) -> BBox:
    return BBox(min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes),
                max(b.bottom for b in boxes))


def merge_columns(table: Table, first: int, last: int) -> Table | None:
    """``table`` with columns ``first..last`` as one column; None when cells that would become one differ in
    their rows (a row span inside the range)."""
    width = last - first

    def new(c: int) -> int:
        return c if c < first else first if c <= last else c - width

    groups: dict[tuple[int, int, int, int], list[Cell]] = {}
    for c in table.cells:
        key = (c.row, c.rowspan, new(c.col), new(c.col + c.colspan - 1))
        groups.setdefault(key, []).append(c)
    starts = {(r, c0) for r, _rs, c0, _c1 in groups}
    if len(starts) != len(groups):
        return None
    cells = []
    for (row, rowspan, c0, c1), parts in groups.items():
        parts.sort(key=lambda c: c.col)
        filled = [p for p in parts if p.text.strip()]
        conf = min((p.confidence for p in filled), default=max(p.confidence for p in parts))
        cells.append(Cell(row=row, col=c0, rowspan=rowspan, colspan=c1 - c0 + 1,
                          text="".join(p.text.strip() for p in filled) if len(parts) > 1 else parts[0].text,
                          confidence=conf, bbox=_union([p.bbox for p in parts]),
                          lines=tuple(ln for p in parts for ln in p.lines),
                          flags=tuple(dict.fromkeys(f for p in parts for f in p.flags))))
    cells.sort(key=lambda c: (c.row, c.col))
    return replace(table, n_cols=table.n_cols - width, cells=tuple(cells))


def first_data_row(table: Table) -> int | None:
    """The first row holding data (an amount, a code, a numbered or total item), None when no row does (a
    blank template): only data rows tell which boundaries a table draws."""
    from pipeline.document.headers import _rows_of, is_data_row

    rows = _rows_of(table)
    return next((r for r in range(table.n_rows) if is_data_row(rows[r])), None)


def repair_split_columns(table: Table) -> Table:
    """Remove the doubtful column boundaries that no row's text needs (see the module doc); the columns
    removed are listed in ``notes.repairs``."""
    first_data = first_data_row(table)
    if table.n_cols < 3 or first_data is None or table.n_rows - first_data < 3:
        return table
    repairs: list[str] = []
    for a, b, ok in reversed(doubtful_runs(table, first_data)):
        if not ok:
            continue
        merged = merge_columns(table, a, b)
        if merged is None:
            continue
        table = merged
        repairs.append(f"columns {a}-{b} merged: boundary crossed in most data rows")
    if not repairs:
        return table
    return replace(table, notes=table.notes.repaired(*repairs))


_TOTAL_LABEL = re.compile(r"(合计|总计|小计)")
_CODE_THEN_WORDS = re.compile(r"^(\d{0,9})\s*[|｜丨]?\s*([^\d\s|｜丨].*)$")


def _header_separates(table: Table, first_data: int, j: int) -> bool:
    """Some header row labels column ``j`` and column ``j + 1`` with two different cells."""
    cover = table.cover()
    for r in range(first_data):
        left, right = cover.get((r, j)), cover.get((r, j + 1))
        if left is not None and right is not None and left is not right and left.text.strip() \
                and right.text.strip():
            return True
    return False


def split_code_cells(table: Table) -> Table:
    """A code column whose boundary with the next column the header draws but some data rows lose: each cell
    spanning both whose text is a code followed by words ("08机关事业单位基本养老保险缴费") — or words only, a
    row without a code at this level — is split into the code and the words.  Only when every such cell
    splits (and the column's own cells are codes) is the evidence clear."""
    first = first_data_row(table)
    if first is None:
        return table
    cells = list(table.cells)
    changed = False
    for u in boundary_uses(table, first):
        j = u.col
        if not u.crossed or not _header_separates(table, first, j):
            continue
        own = [c.text.strip() for c in cells if c.row >= first and c.col == j and c.colspan == 1 and c.text.strip()]
        if not own or not all(_CODE_LIKE.match(t) or (t.isdigit() and len(t) <= 2) for t in own):
            continue
        crossing = [c for c in cells if c.row >= first and c.col == j and c.colspan == 2]
        # total labels (合计 …) legitimately span the code and name columns: they stay
        crossing = [c for c in crossing if not _TOTAL_LABEL.search(c.text)]
        parts = {id(c): _CODE_THEN_WORDS.match(c.text.strip()) for c in crossing}
        if not crossing or not all(parts.values()) or not any(m and m.group(1) for m in parts.values()):
            continue
        edges = [c.bbox.x1 for c in cells if c.col == j and c.colspan == 1]
        x = sorted(edges)[len(edges) // 2] if edges else None
        for c in crossing:
            m = parts[id(c)]
            assert m is not None
            cut = x if x is not None and c.bbox.x0 < x < c.bbox.x1 else (c.bbox.x0 + c.bbox.x1) / 2
            left = replace(c, colspan=1, text=m.group(1), lines=(),
                           bbox=BBox(c.bbox.x0, c.bbox.top, cut, c.bbox.bottom))
            right = replace(c, col=j + 1, colspan=1, text=m.group(2), lines=(),
                            bbox=BBox(cut, c.bbox.top, c.bbox.x1, c.bbox.bottom))
            cells[cells.index(c)] = left
            cells.append(right)
        changed = True
    if not changed:
        return table
    cells.sort(key=lambda c: (c.row, c.col))
    return replace(table, cells=tuple(cells),
                   notes=table.notes.repaired("code cells run into the next column split"))


def doubtful_cells(table: Table) -> list[CellRef]:
    """Filled data cells whose place in the grid is in doubt, around boundaries that were not repaired (text on
    both sides in some row): a boundary drawn in at most half the data rows is itself doubtful — every cell of
    the columns it separates; a boundary drawn in most rows but crossed in some is real — the cells crossing
    it (their text may belong to two columns)."""
    first = first_data_row(table)
    if first is None or table.n_rows - first < 3:
        return []
    uses = {u.col: u for u in boundary_uses(table, first)}
    cols: set[int] = set()
    crossed: set[int] = set()  # boundary j (between j and j + 1) is crossed by the cells to flag
    for a, b, ok in doubtful_runs(table, first):
        if ok:
            continue
        inner = [uses[j] for j in range(a, b)]
        if any(u.crossed >= u.drawn for u in inner):
            cols.update(range(a, b + 1))
        else:
            crossed.update(u.col for u in inner)
    out = []
    for c in table.cells:
        span = set(range(c.col, c.col + c.colspan))
        if c.row < first or not c.text.strip():
            continue
        if cols & span or any(j in span and j + 1 in span for j in crossed):
            out.append((table.id, c.row, c.col))
    return out


def empty_header_cells(table: Table) -> list[CellRef]:
    """Empty cells of the header block beside a label, above columns the header labels further down: a header
    labels every column, so an empty one is most likely a spanning label cut by a short ruling (the label
    belongs over both) — its place in the grid is in doubt."""
    first = first_data_row(table)
    if not first:
        return []
    from pipeline.document.headers import _is_column_numbers, _rows_of
    from pipeline.document.numbers import parse_value

    cover = table.cover()
    rows = _rows_of(table)
    numbers = {r for r in range(first) if _is_column_numbers([c.text.strip() for c in rows[r]])}
    out = []
    for c in table.cells:
        if c.row >= first or c.text.strip() or c.row in numbers:
            continue
        # a label starting on the same row beside it, and column labels (not numbers) below it
        beside = [cover.get((c.row, k)) for k in (c.col - 1, c.col + c.colspan)]
        below = [cover.get((r, k)) for r in range(c.row + c.rowspan, first) if r not in numbers
                 for k in range(c.col, c.col + c.colspan)]
        if any(b is not None and b.row == c.row and b.text.strip() for b in beside) and any(
                b is not None and b.text.strip() and parse_value(b.text)[0] == "text" for b in below):
            out.append((table.id, c.row, c.col))
    return out


def _name_is_code(rows: Sequence[Row]) -> float:
    named = [r for r in rows if r.name]
    return sum(bool(_CODE_LIKE.match(r.name.replace(" ", ""))) for r in named) / len(named) if named else 0.0


def _text_share(rows: Sequence[Row]) -> dict[str, float]:
    seen: dict[str, list[bool]] = {}
    for r in rows:
        for k, v in r.values.items():
            seen.setdefault(k, []).append(v.status == "text")
    return {k: sum(x) / len(x) for k, x in seen.items() if len(x) >= 2}


def map_disagreements(lt: LogicalTable) -> list[CellRef]:
    """Value and key cells of each fragment of ``lt`` whose content disagrees with the column map it was read
    with: most of its subject names are codes (the code sits in the name column), or a value column holds
    words on most rows where the head's holds numbers."""
    by_part: dict[str, list[Row]] = {}
    for r in lt.rows:
        if r.block < 0:
            by_part.setdefault(r.part, []).append(r)
    head = by_part.get(lt.parts[0], [])
    head_text = _text_share(head)
    out: list[CellRef] = []
    for part, rows in by_part.items():
        wrong = _name_is_code(rows) >= DISAGREE_SHARE
        if part != lt.parts[0]:
            wrong = wrong or any(share >= DISAGREE_SHARE and head_text.get(k, 1.0) < 0.2
                                 for k, share in _text_share(rows).items())
        if wrong:
            for r in rows:
                out.extend(r.key_cells)
                out.extend((v.part, v.row, v.col) for v in r.values.values())
    return out


def repair_tables(tables: Sequence[Table]) -> list[Table]:
    return [split_code_cells(repair_split_columns(t)) for t in tables]
