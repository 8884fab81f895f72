"""How sure a typed table's column keys are: a record names its column, so it is no surer than the label that
named it.

A column's canonical key comes from its printed label (:func:`pipeline.tabletypes.map_columns`).  A label that
contains a rule's word verbatim names the column whatever the reading's confidence (a stray mark beside
"其他收入" changes nothing).  A label matched only with OCR tolerance is a guess: "经业收入" is one character from
both 经营收入 and 事业收入 (those keys: :func:`pipeline.tabletypes.fuzzy_labels`).  The records of such a column
take the confidence of the label cell that decided the key (after fusion and vocabulary confirmation; a
reviewer's correction lifts it).
"""

from __future__ import annotations

from pipeline.document.headers import norm
from pipeline.document.notes import CellRef
from pipeline.model import Table


def label_cells(table: Table, header_rows: int, columns: dict[int, str], fuzzy: dict[str, str]
                ) -> dict[str, tuple[CellRef, ...]]:
    """The header cells of ``table`` printing each fuzzily matched label above a column of that key."""
    out: dict[str, tuple[CellRef, ...]] = {}
    for key, label in fuzzy.items():
        cols = {c for c, k in columns.items() if k == key}
        refs = tuple((table.id, c.row, c.col) for c in table.cells
                     if c.row < header_rows and norm(c.text) == norm(label)
                     and any(c.col <= x < c.col + c.colspan for x in cols))
        if refs:
            out[key] = refs
    return out
