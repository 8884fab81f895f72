"""Logical tables: each head joined with its ``continued`` fragments, the head's column keys applied to the
fragments (their repeated header rows dropped), rows of labelled blocks added; untyped tables through
:mod:`pipeline.records_generic`.  Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.document.column_keys import label_cells
from pipeline.document.headers import head_rows, header_row_count
from pipeline.document.notes import as_map
from pipeline.document.records import (
    UNTYPED_CONFIDENCE,
    LogicalTable,
    Row,
    fragment_columns,
    table_rows,
)
from pipeline.document.records_unmapped import unmapped_value_columns
from pipeline.model import Table


def _columns_of(table: Table) -> dict[int, str]:
    return as_map(table.notes.columns)


def block_rows(table: Table) -> list[Row]:
    """Rows of a labelled block inside the table's header area (``notes.blocks``: the 资金 block of a 绩效自评表,
    each a :class:`~pipeline.document.notes.Block` of rows, column keys and labels)."""
    out: list[Row] = []
    for i, block in enumerate(table.notes.blocks or ()):
        columns = as_map(block.columns)
        labels = as_map(block.labels)
        out.extend(table_rows(table, columns, labels, 0, only=list(block.rows), block=i))
    return out


def logical_tables(tables: Sequence[Table]) -> list[LogicalTable]:
    """Join each head with its ``continued`` fragments (in document order); the head's column mapping applies
    to the fragments, whose own repeated header rows are dropped."""
    out: list[LogicalTable] = []
    groups: list[list[Table]] = []
    for t in tables:
        if t.continued and groups:
            groups[-1].append(t)
        else:
            groups.append([t])
    for parts in groups:
        head = parts[0]
        columns = _columns_of(head)
        labels = as_map(head.notes.labels)
        unit = str(head.notes.unit or "")
        rows: list[Row] = []
        if head.type == "generic" or "." not in head.type:
            from pipeline.records_generic import untyped_parts

            columns, labels, rows = untyped_parts(parts)
            out.append(LogicalTable(id=head.id, type=head.type, pages=tuple(sorted({p.page for p in parts})),
                                    parts=tuple(p.id for p in parts), columns=columns, unit=unit, rows=tuple(rows),
                                    typed=False, labels=labels, type_confidence=UNTYPED_CONFIDENCE))
            continue
        header_rows = head_rows(head)
        columns = {**columns, **unmapped_value_columns(head, columns, header_rows)}  # no printed number is lost
        for i, part in enumerate(parts):
            cols = columns if part.n_cols == head.n_cols else fragment_columns(columns, part, head)
            skip = header_rows if i == 0 else header_row_count(part)
            rows.extend(table_rows(part, cols, labels, skip))
            rows.extend(block_rows(part))
        fuzzy = dict(head.notes.fuzzy_labels or ())
        named = label_cells(head, header_rows, columns, fuzzy) if fuzzy else {}
        out.append(LogicalTable(id=head.id, type=head.type, pages=tuple(sorted({p.page for p in parts})),
                                parts=tuple(p.id for p in parts), columns=columns, unit=unit, rows=tuple(rows),
                                labels=labels, type_confidence=head.type_confidence or 1.0, label_cells=named))
    return out
