"""report.html and index.html in the real browser (Debian chromium through Playwright), opened from disk:
the table is there as printed, the flagged cell is highlighted with its reasons, the page thumbnail shows,
and the browser makes no request beyond the file itself and its data: images."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import ARGS, CHROMIUM, MARKS
from tests.outputs.conftest import NAME

pytestmark = MARKS


def test_report_and_index_in_chromium(written: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    report = (written / NAME / "report.html").resolve()
    index = (written / "index.html").resolve()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        grid = page.locator('table.grid[data-table="p001-t1"]')
        sync_api.expect(grid).to_be_visible()
        sync_api.expect(grid.locator("tr")).to_have_count(5)
        head = grid.locator('td[data-row="0"][data-col="0"]')
        sync_api.expect(head).to_have_attribute("colspan", "3")
        sync_api.expect(head).to_have_text("科目编码")
        flagged = grid.locator("td.fail, td.flag")
        sync_api.expect(flagged).to_have_count(1)
        cell = grid.locator('td[data-row="3"][data-col="4"]')
        sync_api.expect(cell).to_have_class("num fail")
        assert cell.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(248, 203, 173)"
        plain = grid.locator('td[data-row="2"][data-col="4"]')
        assert plain.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
        reasons = page.locator("#why-p001-t1-3-4")
        sync_api.expect(reasons).to_contain_text("confidence 0.62")
        sync_api.expect(reasons).to_contain_text("suggestion: 1,046.09")
        sync_api.expect(reasons).to_contain_text("hierarchy:")
        sync_api.expect(page.locator('[data-count="checks failed"] b')).to_have_text("2")
        sync_api.expect(page.locator("#checks tr.fail")).to_have_count(2)
        sync_api.expect(page.locator("#page-row-1")).to_contain_text("1.25")
        thumb = page.locator("#page-1 img")
        sync_api.expect(thumb).to_be_visible()
        assert thumb.evaluate("e => e.complete && e.naturalWidth") > 100
        page.goto(index.as_uri())
        row = page.locator(f'tr[data-document="{NAME}"]')
        sync_api.expect(row).to_contain_text("workbook")
        sync_api.expect(page.locator("#totals")).to_contain_text("1")
        row.locator("a", has_text=NAME).first.click()
        sync_api.expect(page).to_have_url(report.as_uri())
        browser.close()
    remote = [u for u in requests if not u.startswith(("file://", "data:"))]
    assert remote == [], remote
