"""Real browser (Debian chromium through Playwright): correct a cell with the keyboard, reload, export."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium"),
]


def test_keyboard_correction_reload_export(out_dir: Path, start_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    proc, base = start_server(out_dir)
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(base + "/")
            edit = page.locator("#edit")
            sync_api.expect(page.locator("#itemmeta")).to_contain_text("alpha · p001-t1 r2 c2")
            sync_api.expect(page.locator("#checks")).to_contain_text("sum: printed 1180, the parts give 950")
            edit.press("Tab")  # -> alpha r1 c2
            edit.press("Shift+Tab")  # back to alpha r2 c2
            sync_api.expect(page.locator("#itemmeta")).to_contain_text("r2 c2")
            sync_api.expect(edit).to_have_value("950")
            edit.fill("1180")
            edit.press("Enter")
            sync_api.expect(page.locator("#itemmeta")).to_contain_text("1/4 · alpha · p001-t1 r1 c2")
            edit.press("Enter")  # accept as-is
            sync_api.expect(page.locator("#itemmeta")).to_contain_text("1/3 · beta")
            page.reload()
            sync_api.expect(page.locator("#progtext")).to_contain_text("2/5 reviewed")
            page.click("#tab-table")
            cell = page.locator('.ov[data-key="p001-t1:2:2"]')
            sync_api.expect(cell).to_have_attribute("data-value", "1180")
            sync_api.expect(cell).to_have_attribute("data-state", "corrected")
            sync_api.expect(page.locator('.ov[data-key="p001-t1:1:2"]')).to_have_attribute("data-state",
                                                                                           "accepted")
            cell.click()  # edit in the table view
            page.locator("#celledit input").fill("1181")
            page.locator("#celledit input").press("Enter")
            sync_api.expect(cell).to_have_attribute("data-value", "1181")
            page.click("#export")
            sync_api.expect(page.locator("#msg")).to_contain_text("Exported 2 document(s)")
            browser.close()
        assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    finally:
        proc.kill()
        proc.wait(10)
    rows = list(csv.reader((out_dir / "alpha" / "tables_reviewed" / "p001-t1.csv").open(encoding="utf-8")))
    assert rows[2] == ["二、支出", "900", "1181"]
