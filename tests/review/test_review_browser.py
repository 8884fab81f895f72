"""Real browser (Debian chromium through Playwright): correct a cell with the keyboard, reload, export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.browser import ARGS, CHROMIUM, MARKS

pytestmark = MARKS


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


def test_merge_repair_in_the_browser(tmp_path: Path, start_server):
    """The first queue item is the spurious column; the reviewer opens the table from it, moves with the arrow
    keys, merges with "m", types a correction with Enter, and exports: the reviewed records equal the records
    of the table read with the right grid and its failing checks pass."""
    import json

    from pipeline.plugin_manager import PluginManager
    from tests.review.typed import record_set, write_streaked

    sync_api = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "out"
    doc, good = write_streaked(out, "doc", tmp_path / "scan.png", PluginManager())
    assert doc["check_summary"]["fail"] == 2
    proc, base = start_server(out)
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(base + "/")
            expect = sync_api.expect
            expect(page.locator("#itemmeta")).to_contain_text("1/1 · doc · p001-t1 · grid")
            expect(page.locator("#structure-reason")).to_contain_text("columns 1–2 look like one column")
            expect(page.locator("#structure-checks")).to_contain_text("2 failing check(s)")
            expect(page.locator("#where")).to_contain_text("支出决算表 · page 1")
            page.keyboard.press("t")  # open the table at the proposal
            expect(page.locator("#tableinfo")).to_contain_text("支出决算表 · page 1 · 单位：万元 · 11×8 · 2 failing")
            expect(page.locator(".ov.sel")).to_have_attribute("data-key", "p001-t1:2:0")  # 类, in column 0 alone
            for key in ("ArrowDown", "ArrowDown", "ArrowDown", "ArrowUp"):
                page.keyboard.press(key)  # 类 → 合计 (spans) → 201 row → 201 row (r5), back up to r4
            expect(page.locator(".ov.sel")).to_have_attribute("data-key", "p001-t1:4:0")
            expect(page.locator('.ov[data-key="p001-t1:4:1"]')).to_have_attribute("data-value", "201")
            expect(page.locator('.ov[data-key="p001-t1:4:1"] span')).to_have_text("201")  # values visible
            page.keyboard.press("m")  # the ruling right of this cell is false
            expect(page.locator("#tableinfo")).to_contain_text("11×7")
            expect(page.locator("#tableinfo")).not_to_contain_text("failing")
            expect(page.locator('.ov[data-key="p001-t1:4:0"]')).to_have_attribute("data-value", "201")
            for key in ("ArrowRight", "ArrowRight", "ArrowRight", "ArrowRight"):
                page.keyboard.press(key)
            expect(page.locator(".ov.sel")).to_have_attribute("data-key", "p001-t1:4:4")
            expect(page.locator("#role")).to_have_value("total")  # the column's key in the records
            expect(page.locator("#cellinfo")).to_contain_text("本年支出合计")
            page.keyboard.press("Enter")
            page.locator("#celledit input").fill("846.09")
            page.locator("#celledit input").press("Enter")  # the value as printed: accepted
            expect(page.locator('.ov[data-key="p001-t1:4:4"]')).to_have_attribute("data-state", "accepted")
            page.click("#export")
            expect(page.locator("#msg")).to_contain_text("Exported 1 document(s)")
            page.locator("#pagewrap").focus()
            page.keyboard.press("q")  # back to the queue: nothing left
            expect(page.locator("#done")).to_be_visible()
            expect(page.locator("#progtext")).to_contain_text("2/2 reviewed")
            browser.close()
    finally:
        proc.kill()
        proc.wait(10)
    rev = json.loads((out / "doc" / "document.reviewed.json").read_text(encoding="utf-8"))
    assert rev["check_summary"]["fail"] == 0 and rev["check_summary"] == good["check_summary"]
    assert record_set(rev["tables"][0]["records"]) == record_set(good["tables"][0]["records"])
