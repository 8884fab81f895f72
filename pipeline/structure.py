"""Structure confidence: grid boundaries the table itself does not support, repaired when the evidence is clear.

A printed table draws each column boundary on every data row (a total row's label may span the code columns,
one or two rows).  A vertical boundary that the grid draws in some data rows but crosses with a spanning cell
in many others is not a column of the table: a scanner streak, a short ruling or a broken line split one
column into pieces, and each row's text landed in whichever piece its cell happened to cover (a 款 code column
read as three columns, its codes alternating between them).  Such a boundary is **removed** when no row — header
rows included — holds text on both of its sides in two different cells (so merging loses nothing and joins
no two printed values); the cells that fall together become one cell.  A doubtful boundary with text on both
sides is left, and the records built on that table are marked (see :func:`pipeline.structure_checks`).

Pure functions over :class:`~pipeline.model.Table`; run before typing (:func:`pipeline.runner.recognise`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipeline.model import BBox, Cell, Table

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


def _cover(table: Table) -> dict[tuple[int, int], Cell]:
    out: dict[tuple[int, int], Cell] = {}
    for c in table.cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                out[(r, k)] = c
    return out


def boundary_uses(table: Table, first_data_row: int) -> list[BoundaryUse]:
    cover = _cover(table)
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
    for u in boundary_uses(table, first_data_row):
        if not u.doubtful(data_rows):
            continue
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


def repair_split_columns(table: Table) -> Table:
    """Remove the doubtful column boundaries that no row's text needs (see the module doc); the columns
    removed are listed in ``extra["repairs"]``."""
    from pipeline.records import header_row_count

    if table.n_cols < 3 or table.n_rows < 3:
        return table
    first_data = header_row_count(table)
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
    return replace(table, extra={**table.extra, "repairs": [*table.extra.get("repairs", ()), *repairs]})  # type: ignore[misc]


def doubtful_columns(table: Table) -> set[int]:
    """Columns next to a doubtful boundary that was not repaired (text on both sides in some row)."""
    from pipeline.records import header_row_count

    out: set[int] = set()
    for a, b, _ok in doubtful_runs(table, header_row_count(table)):
        out.update(range(a, b + 1))
    return out


def repair_tables(tables: Sequence[Table]) -> list[Table]:
    return [repair_split_columns(t) for t in tables]
