"""Step 1 of the document half: ``mark_continuations`` over whole pages (the rule itself, ``continues``, is
tested with captions in tests/unit/test_captions.py)."""

from __future__ import annotations

from pipeline.document.continuations import PAGE_FULL, mark_continuations
from pipeline.model import BBox, PageResult, Table
from tests.fiscal.tables import EXPENDITURE_ROWS, table_of

HEIGHT = 1000


def placed(title: str, page: int, bottom: float, n: int = 1, rows=EXPENDITURE_ROWS) -> Table:
    from dataclasses import replace

    return replace(table_of(rows, title=title, id=f"p{page:03d}-t{n}", page=page), bbox=BBox(0, 100, 800, bottom))


def page(number: int, *tables: Table, status: str = "ok") -> PageResult:
    return PageResult(page=number, width=800, height=HEIGHT, dpi=200, tables=tables, status=status)  # type: ignore[arg-type]


def continued(pages: list[PageResult]) -> list[tuple[str, bool]]:
    return [(t.id, t.continued) for p in pages for t in p.tables]


def test_untitled_first_table_below_a_full_page_continues_and_only_the_first() -> None:
    full = PAGE_FULL * HEIGHT + 10
    pages = [page(1, placed("支出决算表", 1, full)),
             page(2, placed("", 2, full), placed("", 2, full, n=2))]
    assert continued(mark_continuations(pages)) == [("p001-t1", False), ("p002-t1", True), ("p002-t2", False)]


def test_repeated_title_continues_a_full_page_but_not_a_table_that_ended_mid_page() -> None:
    full, short = PAGE_FULL * HEIGHT + 10, PAGE_FULL * HEIGHT - 200
    assert continued(mark_continuations([page(1, placed("支出决算表", 1, full)),
                                         page(2, placed("支出决算表", 2, full))]))[1] == ("p002-t1", True)
    assert continued(mark_continuations([page(1, placed("支出决算表", 1, short)),
                                         page(2, placed("支出决算表", 2, full))]))[1] == ("p002-t1", False)


def test_the_head_title_is_carried_through_a_chain_of_continuations() -> None:
    full = PAGE_FULL * HEIGHT + 10
    pages = [page(1, placed("支出决算表", 1, full)), page(2, placed("", 2, full)),
             page(3, placed("支出决算表", 3, full))]
    assert [c for _id, c in continued(mark_continuations(pages))] == [False, True, True]


def test_a_failed_page_breaks_the_chain_and_nothing_is_changed_in_place() -> None:
    full = PAGE_FULL * HEIGHT + 10
    pages = [page(1, placed("支出决算表", 1, full)), page(2, status="error"), page(3, placed("", 3, full))]
    marked = mark_continuations(pages)
    assert [c for _id, c in continued(marked)] == [False, False]
    assert all(not t.continued for p in pages for t in p.tables)  # the input pages are left as they were
