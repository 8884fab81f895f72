"""Typed tables keep every printed number: a value column that no column rule of the table's type names (a
local column such as 其他资金, 上年结转 or 货物/服务 in a 政府采购预算表, a column whose label was misread) still
yields records, keyed by its printed label path as in untyped tables (``column`` empty, ``label`` set).

The column's role is decided by the table's own content, the same way as for untyped tables
(:func:`pipeline.records_generic.column_roles`: most filled data cells are amounts or numbers); columns the type
already maps, row labels, codes and 序号/行次 columns are left as they are, and so is a column without a label
of its own (none printed, or only the spanning label of its neighbours: a column the grid split off, a 行次
column whose own label was not read) — its numbers are the neighbours' or no one's.  The type's rules do not
vouch for such a record, so, like an untyped table's, it is never confident
(:data:`pipeline.document.records.UNMAPPED_CONFIDENCE`).
"""

from __future__ import annotations

from pipeline.document.records import is_unmapped
from pipeline.model import Table


def unmapped_value_columns(table: Table, columns: dict[int, str], header_rows: int) -> dict[int, str]:
    """``col<i>`` for each value column of ``table`` (data below ``header_rows``) that ``columns`` (the type's
    mapping) leaves out."""
    from pipeline.records_generic import column_labels, column_roles

    labels = column_labels(table, header_rows)
    roles = column_roles(table, header_rows, labels)
    excluded = set(table.notes.not_values or ())  # a reviewer's "not a value column" (role none) stands
    return {c: k for c, k in roles.items()
            if c not in columns and c not in excluded and is_unmapped(k) and own_label(c, labels)}


def own_label(col: int, labels: dict[int, str]) -> bool:
    """The column's label path is printed and is not just the spanning label above other columns ("收入" over
    "收入 / 项目" and "收入 / 金额")."""
    path = labels.get(col, "")
    return bool(path) and not any(other.startswith(path + " / ") for c, other in labels.items() if c != col)
