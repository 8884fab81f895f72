"""Step 1 of the document half: which tables continue the previous page's table.

Input: the document's :class:`~pipeline.model.PageResult` list in page order; output: the same pages with
``continued`` set on every page's first table that continues the previous page's last table.  Pure.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.model import PageResult, Table

#: a table whose bottom lies below this share of its page's height may continue on the next page
PAGE_FULL = 0.75


def continues(first: Table, prev: Table | None, head_title: str = "", prev_full: bool = True) -> bool:
    """Whether ``first`` (the first table of its page) continues ``prev`` (the previous page's last table, whose
    logical table is titled ``head_title``; ``prev_full``: it runs to the foot of its page): it has no title and
    no header block of another layout, a title marked （续）, or its head's title again with the same columns
    below a table that filled its page (separate tables of one title, one per project, start afresh)."""
    from pipeline.captions import is_continued_title
    from pipeline.document.headers import header_labels
    from pipeline.tabletypes import norm

    if prev is None:
        return False
    if first.title:
        return is_continued_title(first.title) or (
            prev_full and bool(norm(head_title)) and norm(first.title) == norm(head_title)
            and first.n_cols == prev.n_cols)
    return not (first.n_cols != prev.n_cols and header_labels(first))


def mark_continuations(pages: list[PageResult]) -> list[PageResult]:
    """Mark every page's first table that continues the previous page's last table (:func:`continues`); a
    table with its own column labels and another number of columns is a new table whose title was not read."""
    out: list[PageResult] = []
    prev: Table | None = None
    prev_full = False
    head_title = ""
    for p in pages:
        tables = list(p.tables)
        if tables and continues(tables[0], prev, head_title, prev_full):
            tables[0] = replace(tables[0], continued=True)
        for t in tables:
            head_title = head_title if t.continued else t.title
        out.append(replace(p, tables=tuple(tables)))
        prev = p.tables[-1] if p.status == "ok" and p.tables else None
        prev_full = prev is not None and prev.bbox.bottom >= PAGE_FULL * max(p.height, 1)
    return out
