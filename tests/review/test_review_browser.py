"""Real browser (Debian chromium through Playwright): correct a cell with the keyboard, reload, export."""

from __future__ import annotations

import csv
import time
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

    from pipeline.csvtext import records_csv
    from pipeline.plugin_manager import PluginManager
    from tests.review.typed import RECORD_KEYS, record_set, write_streaked

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
    assert len(good["tables"][0]["records"]) > 20
    assert record_set(rev["tables"][0]["records"]) == record_set(good["tables"][0]["records"])

    def csv_records(text: str) -> list[tuple[str, ...]]:  # records.reviewed.csv as the user gets it
        return sorted(tuple(r[k] for k in RECORD_KEYS) for r in csv.DictReader(text.splitlines()))

    assert csv_records((out / "doc" / "records.reviewed.csv").read_text(encoding="utf-8")) == csv_records(
        records_csv(good, "doc"))


#: a two-block table (经济分类 | 科目名称 | 决算数, twice) whose right block misread 10.00 as 16.00
TWO_BLOCKS = [["经济分类", "<", "科目名称", "决算数", "经济分类", "<", "科目名称", "决算数"],
              ["类", "款", "^", "^", "类", "款", "^", "^"],
              ["301", "", "工资福利支出", "100.00", "302", "", "商品和服务支出", "30.00"],
              ["301", "01", "基本工资", "60.00", "302", "01", "办公费", "20.00"],
              ["301", "02", "津贴补贴", "40.00", "302", "02", "印刷费", "16.00"],
              ["人员经费合计", "<", "<", "100.00", "公用经费合计", "<", "<", "30.00"]]


def write_two_tables(out: Path, source: Path) -> dict:
    """A tall page: a correct 支出决算表 at the top and, below the fold, the two-block table whose right block's
    印刷费 was misread (low confidence, stray punctuation removed): its 类 302 check fails."""
    import json
    from dataclasses import replace

    import cv2
    import numpy as np

    from pipeline.model import BBox
    from pipeline.plugin_manager import PluginManager
    from tests.fiscal.tables import EXPENDITURE_ROWS
    from tests.review.typed import RIGHT_WIDTHS, document_of, table_with_boxes

    def moved(b: BBox) -> BBox:
        return BBox(b.x0, b.top + 1500, b.x1, b.bottom + 1500)

    first = table_with_boxes(EXPENDITURE_ROWS, RIGHT_WIDTHS)
    two = table_with_boxes(TWO_BLOCKS, [60, 60, 200, 100, 60, 60, 200, 100], tid="p001-t2",
                           title="一般公共预算财政拨款基本支出决算表")
    two = replace(two, bbox=moved(two.bbox), cells=tuple(
        replace(c, bbox=moved(c.bbox), **({"confidence": 0.6, "flags": ("stray-punctuation-removed",)}
                                          if (c.row, c.col) == (4, 7) else {})) for c in two.cells))
    img = np.full((2000, 1000), 255, np.uint8)
    for c in (*first.cells, *two.cells):
        cv2.rectangle(img, (int(c.bbox.x0), int(c.bbox.top)), (int(c.bbox.x1), int(c.bbox.bottom)), 0, 1)
    cv2.imwrite(str(source), img)
    doc = document_of([first, two], source, PluginManager())
    doc["pages"][0].update(width=1000, height=2000)
    (out / "doc").mkdir(parents=True, exist_ok=True)
    (out / "doc" / "document.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return doc


def test_context_and_table_link_in_the_browser(tmp_path: Path, start_server):
    """A queued cell of a two-block table's right block: its row header is its own block's code and name (not
    the left block's), its column label, the table's title, page and unit, the failing check in words and the
    pipeline flag explained; "show in the table" and the Table button open the table view at that very cell,
    scrolled into view although the table lies below the fold; arrows move, Enter edits, q goes back to the
    same item; the correction balances the check and the progress line says so per document."""
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    out = tmp_path / "out"
    doc = write_two_tables(out, tmp_path / "scan.png")
    assert doc["check_summary"]["fail"] == 1
    proc, base = start_server(out)
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(base + "/")
            expect(page.locator("#itemmeta")).to_contain_text("1/2 · doc · p001-t2 r4 c7")
            expect(page.locator("#where")).to_have_text(
                "一般公共预算财政拨款基本支出决算表 · page 1 · 单位：万元 · column: 决算数")
            expect(page.locator("#rowcap")).to_have_text("row: 302 02 印刷费")  # its own block, not 301 02 津贴补贴
            expect(page.locator("#rowcrops img")).to_have_count(3)
            expect(page.locator("#colcap")).to_have_text("column: 决算数")
            expect(page.locator("#checks")).to_contain_text(
                "类 302 商品和服务支出 should be the sum of its 款 rows (决算数): printed 30.00, its rows give 36.00")
            expect(page.locator("#checks")).not_to_contain_text("hierarchy:")
            expect(page.locator("#flags")).to_contain_text("stray punctuation next to the text")
            expect(page.locator("#progtext")).to_contain_text("doc: 2 open, 0 done, 1 failing check(s)")

            def table_at(key: str) -> None:
                expect(page.locator("#table-view")).to_be_visible()
                expect(page.locator("#tablesel")).to_have_value(key.split(":")[0])
                expect(page.locator(".ov.sel")).to_have_attribute("data-key", key)
                expect(page.locator(".ov.sel")).to_be_in_viewport()  # the current table is in view
                expect(page.locator("#tableinfo")).to_be_in_viewport()
                expect(page.locator("#tableinfo")).to_contain_text(
                    "一般公共预算财政拨款基本支出决算表 · page 1 · 单位：万元 · 6×8 · 1 failing check(s)")

            page.click("#tab-table")  # the Table button opens the current item's table, not the first one
            table_at("p001-t2:4:7")
            expect(page.locator('.ov[data-key="p001-t2:4:7"] span')).to_have_text("16.00")  # values visible
            for key in ("ArrowLeft", "ArrowLeft", "ArrowLeft"):
                page.keyboard.press(key)
            expect(page.locator(".ov.sel")).to_have_attribute("data-key", "p001-t2:4:4")
            page.keyboard.press("ArrowDown")  # onto the spanning 公用经费合计 cell
            expect(page.locator(".ov.sel")).to_have_attribute("data-key", "p001-t2:5:4")
            page.keyboard.press("ArrowUp")
            for key in ("ArrowRight", "ArrowRight", "ArrowRight"):
                page.keyboard.press(key)
            expect(page.locator(".ov.sel")).to_have_attribute("data-key", "p001-t2:4:7")
            page.keyboard.press("Enter")  # edit here
            expect(page.locator("#celledit input")).to_be_focused()
            expect(page.locator("#celledit input")).to_have_value("16.00")
            page.keyboard.press("Escape")
            page.keyboard.press("q")  # table view → the same queue item
            expect(page.locator("#queue-view")).to_be_visible()
            expect(page.locator("#itemmeta")).to_contain_text("1/2 · doc · p001-t2 r4 c7")
            page.click("#showintable")  # the link from the queue item to its cell in the table view
            table_at("p001-t2:4:7")
            slow_context = lambda route: (time.sleep(0.4), route.continue_())  # noqa: E731
            page.route("**/context/**", slow_context)  # a slow server: what is typed must stay typed
            page.keyboard.press("q")
            expect(page.locator("#itemmeta")).to_contain_text("p001-t2 r4 c7")
            page.locator("#edit").fill("10.00")
            page.wait_for_timeout(1500)
            expect(page.locator("#edit")).to_have_value("10.00")
            page.unroute("**/context/**")
            page.locator("#edit").press("Enter")  # the check balances: its other cell leaves the queue too
            expect(page.locator("#done")).to_be_visible()
            expect(page.locator("#progtext")).to_contain_text("1/1 reviewed — doc: 0 open, 1 done, 0 failing check(s)")
            browser.close()
    finally:
        proc.kill()
        proc.wait(10)


def test_row_merge_role_and_split_with_the_keyboard(tmp_path: Path, start_server):
    """A streak cut the 行政运行 row (names in one grid row, amounts in the next): the grid item opens the table
    at that row, "M" says the ruling below is false, the role menu takes a column out of the records, "s"
    splits a column; each is one stored edit, in order, and the export carries the repair and the role."""
    import json

    from pipeline.plugin_manager import PluginManager
    from pipeline.review.store import ReviewStore
    from tests.fiscal.tables import EXPENDITURE_ROWS
    from tests.review.typed import RIGHT_WIDTHS, document_of, draw_page, table_with_boxes

    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    rows = [list(r) for r in EXPENDITURE_ROWS]
    rows[6:7] = [[*rows[6][:4], "", "", ""], ["", "", "", "", *rows[6][4:]]]
    table = table_with_boxes(rows, RIGHT_WIDTHS)
    draw_page(tmp_path / "scan.png", table)
    doc = document_of([table], tmp_path / "scan.png", PluginManager())
    assert doc["check_summary"]["fail"] > 0
    out = tmp_path / "out"
    (out / "doc").mkdir(parents=True)
    (out / "doc" / "document.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    proc, base = start_server(out)
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(base + "/")
            expect(page.locator("#itemmeta")).to_contain_text("1/1 · doc · p001-t1 · grid")
            expect(page.locator("#structure-reason")).to_contain_text("rows 7 and 8 look like one row cut")
            page.keyboard.press("t")
            expect(page.locator(".ov.sel")).to_have_attribute("data-key", "p001-t1:6:0")
            expect(page.locator("#tableinfo")).to_contain_text("12×7 · ")
            page.keyboard.press("M")  # no ruling below this cell
            expect(page.locator("#tableinfo")).to_contain_text("11×7")
            expect(page.locator("#tableinfo")).not_to_contain_text("failing")
            expect(page.locator('.ov[data-key="p001-t1:6:5"]')).to_have_attribute("data-value", "546.09")
            for _ in range(5):
                page.keyboard.press("ArrowRight")
            expect(page.locator(".ov.sel")).to_have_attribute("data-key", "p001-t1:6:5")
            expect(page.locator("#role")).to_have_value("basic")
            page.select_option("#role", "none")  # 基本支出 is no value column of the records
            expect(page.locator("#role")).to_have_value("")
            page.click("#export")
            expect(page.locator("#msg")).to_contain_text("Exported 1 document(s)")
            page.locator("#pagewrap").focus()
            page.keyboard.press("s")  # split the current column in the middle
            expect(page.locator("#tableinfo")).to_contain_text("11×8")
            browser.close()
    finally:
        proc.kill()
        proc.wait(10)
    edits = ReviewStore(out).structure_edits("doc")
    assert [(e.op, e.arguments()) for e in edits] == [
        ("merge_rows", {"first": 6, "last": 7}), ("column_role", {"col": 5, "role": "none"}),
        ("split_col", {"col": 5, "at": pytest.approx(40 + 60 * 3 + 320 + 130 + 65)})]
    rev = json.loads((out / "doc" / "document.reviewed.json").read_text(encoding="utf-8"))
    assert rev["tables"][0]["n_rows"] == 11
    # the merged row balances every check; only 合计 = 基本支出 + 项目支出 cannot, once 基本支出 left the records
    assert sorted({c["rule"] for c in rev["checks"] if c["status"] == "fail"}) == ["row:total"]
    records = rev["tables"][0]["records"]
    assert records and not any(r["col"] == 5 for r in records)
    assert {(r["subject_code"], r["col"], r["value"]) for r in records} >= {("2010601", 4, "546.09")}
