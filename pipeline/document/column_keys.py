"""How sure a typed table's column keys are: a record names its column, so it is no surer than the label that
named it.

A column's canonical key comes from its printed label (:func:`pipeline.tabletypes.map_columns`).  A label that
contains a rule's word verbatim names the column whatever the reading's confidence (a stray mark beside
"其他收入" changes nothing).  A label matched only with OCR tolerance is a guess: "经业收入" is one character from
both 经营收入 and 事业收入.  The records of such a column take the confidence of the label cell that decided the
key (after fusion and vocabulary confirmation; a reviewer's correction lifts it).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.document.notes import CellRef
from pipeline.model import Table
from pipeline.tabletypes import MEASURES, ColumnRule, any_of, norm


def fuzzy_labels(rules: Sequence[ColumnRule], paths: dict[int, list[str]], columns: dict[int, str],
                 measures: bool = False) -> dict[str, str]:
    """Value key → the printed label that decided it, for the keys whose deciding label matched a rule only
    with OCR tolerance (the same label walk as :func:`~pipeline.tabletypes.map_columns`: lowest label first, a
    bottom 预算数/决算数 set aside as the measure)."""
    from pipeline.document.records import is_identity

    out: dict[str, str] = {}
    for col, key in sorted(columns.items()):
        if is_identity(key) or key in out:
            continue
        labels = list(paths.get(col, ()))
        full = "/".join(norm(p) for p in labels)
        if measures and labels and any(any_of(norm(labels[-1]), words) == 1.0 for _s, words in MEASURES):
            labels = labels[:-1]
        for label in reversed(labels):
            best = max((rule.match(norm(label), full) for rule in rules), default=0.0)
            if best > 0:
                if best < 1.0:
                    out[key] = label
                break
    return out


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
