"""Structure edits (grid algebra, replay with corrections, continuations, staleness, re-reading) and the queue
ordered by expected harm, through the review API."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from pipeline.plugin_manager import PluginManager
from pipeline.review.structure import EditError, merge, split
from tests.fiscal.tables import EXPENDITURE_ROWS
from tests.review.typed import (
    RIGHT_WIDTHS,
    STREAK_WIDTHS,
    document_of,
    draw_page,
    record_set,
    streaked_rows,
    table_with_boxes,
    write_streaked,
)


@pytest.fixture(scope="module")
def pm() -> PluginManager:
    return PluginManager()


@pytest.fixture
def streaked(tmp_path: Path, pm: PluginManager) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "out"
    _doc, good = write_streaked(out, "doc", tmp_path / "scan.png", pm)
    return out, good


def client(out: Path, reviewer: str = "alice") -> Any:
    from fastapi.testclient import TestClient

    from pipeline.review.server import ReviewSettings, create_app

    return TestClient(create_app(ReviewSettings(out, reviewer=reviewer)))


def edit(c: Any, op: str, args: dict[str, Any], version: int, table: str = "p001-t1") -> Any:
    return c.post("/api/structure", json={"document": "doc", "table": table, "op": op, "args": args,
                                          "version": version})


def covered_once(table: dict[str, Any]) -> bool:
    seen: dict[tuple[int, int], int] = {}
    for c in table["cells"]:
        for r in range(c["row"], c["row"] + c.get("rowspan", 1)):
            for k in range(c["col"], c["col"] + c.get("colspan", 1)):
                seen[(r, k)] = seen.get((r, k), 0) + 1
    return sorted(seen) == [(r, k) for r in range(table["n_rows"]) for k in range(table["n_cols"])] \
        and set(seen.values()) == {1}


def texts(table: dict[str, Any]) -> dict[tuple[int, int], str]:
    return {(c["row"], c["col"]): c["text"] for c in table["cells"]}


# ------------------------------------------------------------------------------------------- grid algebra


def test_merge_and_split_keep_every_position_covered_once(streaked):
    out, good = streaked
    doc = json.loads((out / "doc" / "document.json").read_text(encoding="utf-8"))
    t = doc["tables"][0]
    merged = merge(t, "col", 0, 1)
    assert covered_once(merged) and merged["n_cols"] == 7 and t["n_cols"] == 8  # the argument is not changed
    assert texts(merged) == texts(good["tables"][0])  # one code per row: no text needs reading again
    assert not any(c.get("reread") for c in merged["cells"])
    again = split(merged, "col", 3, 300.0)  # the wide name column
    assert covered_once(again) and again["n_cols"] == 8
    halves = [c for c in again["cells"] if c["row"] >= 3 and c["col"] in (3, 4) and c.get("colspan", 1) == 1]
    assert halves and all(c["reread"] and c["text"] == "" for c in halves if "split" in c["flags"])
    assert texts(again)[(3, 0)] == "合计" and next(c for c in again["cells"] if (c["row"], c["col"]) == (3, 0))[
        "colspan"] == 5  # a spanning cell spans one more
    rows = merge(merged, "row", 4, 5)
    assert covered_once(rows) and rows["n_rows"] == 10
    assert texts(rows)[(4, 3)] == "一般公共服务支出财政事务" and rows["cells"][0]["text"] == "项目"
    with pytest.raises(EditError):
        merge(t, "col", 7, 8)
    with pytest.raises(EditError):
        split(t, "col", 0, 10.0)  # outside the column


# ------------------------------------------------------------------------------------------- API: merge repair


def test_queue_puts_the_structure_problem_first_and_hides_its_innocent_cells(streaked):
    out, _good = streaked
    w = client(out).get("/api/worklist").json()
    first = w["items"][0]
    assert (first["kind"], first["op"], first["args"], first["tier"]) == ("structure", "merge_cols",
                                                                           {"first": 0, "last": 1}, 0)
    assert "look like one column" in first["reason"] and len(first["failing_checks"]) == 2
    affected = {tuple(r) for r in first["affected"]}
    assert affected and not any(i["kind"] == "cell" and (i["table"], i["row"], i["col"]) in affected
                                for i in w["items"])
    assert w["documents"][0]["failing_checks"] == 2 and w["documents"][0]["structure"] == 1


def test_merge_repair_exports_the_records_of_the_right_grid(streaked):
    out, good = streaked
    c = client(out)
    assert edit(c, "merge_cols", {"first": 0, "last": 1}, 0).status_code == 200
    view = c.get("/api/documents/doc/view").json()
    assert view["structure_version"] == 1 and view["check_summary"]["fail"] == 0
    assert view["tables"][0]["n_cols"] == 7 and view["tables"][0]["columns"]["0"] == "code_lei"
    assert not [i for i in c.get("/api/worklist").json()["items"] if i["kind"] == "structure"]
    c.post("/api/export")
    rev = json.loads((out / "doc" / "document.reviewed.json").read_text(encoding="utf-8"))
    assert rev["check_summary"] == good["check_summary"] and rev["check_summary"]["fail"] == 0
    assert record_set(rev["tables"][0]["records"]) == record_set(good["tables"][0]["records"])
    assert [e["op"] for e in rev["structure_edits"]] == ["merge_cols"] and rev["stale_structure_edits"] == []
    with (out / "doc" / "records.reviewed.csv").open(encoding="utf-8") as f:
        got = {(r["subject_code"], r["column"]): r["value"] for r in csv.DictReader(f)}
    assert got[("2010601", "total")] == "546.09" and got[("201", "total")] == "846.09"
    grid = list(csv.reader((out / "doc" / "tables_reviewed" / "p001-t1.csv").open(encoding="utf-8")))
    assert len(grid[0]) == 7 and grid[4][0] == "201"


def test_structure_conflict_and_bad_edits(streaked):
    out, _good = streaked
    alice, bob = client(out, "alice"), client(out, "bob")
    assert edit(alice, "merge_cols", {"first": 0, "last": 1}, 0).status_code == 200
    r = edit(bob, "merge_cols", {"first": 0, "last": 1}, 0)  # bob saw version 0
    assert r.status_code == 409 and r.json()["current"] == 1
    assert edit(bob, "merge_cols", {"first": 9, "last": 10}, 1).status_code == 422
    assert edit(bob, "explode", {}, 1).status_code == 422
    assert edit(bob, "column_role", {"col": 1, "role": "whatever"}, 1).status_code == 422
    assert edit(bob, "merge_cols", {"first": 0, "last": 1}, 1, table="p009-t9").status_code == 404
    # a correction made on the old grid is refused once the grid moved on
    body = {"document": "doc", "table": "p001-t1", "row": 4, "col": 1, "text": "X", "action": "correct",
            "version": 0, "grid": 0}
    assert bob.post("/api/cells", json=body).status_code == 409
    assert bob.post("/api/cells", json={**body, "grid": 1}).status_code == 200


def test_corrections_follow_the_cells_through_later_grid_edits(streaked):
    out, _good = streaked
    c = client(out)
    # on the streaked grid: correct 846.09 (row 5, total column 5) and accept the 201 code in the right half
    body = {"document": "doc", "table": "p001-t1", "action": "correct", "version": 0, "grid": 0}
    assert c.post("/api/cells", json={**body, "row": 5, "col": 5, "text": "846.10"}).status_code == 200
    assert c.post("/api/cells", json={**body, "row": 4, "col": 1, "text": "201", "action": "accept"}
                  ).status_code == 200
    assert edit(c, "merge_cols", {"first": 0, "last": 1}, 0).status_code == 200
    t = c.get("/api/documents/doc/view").json()["tables"][0]
    cells = {(x["row"], x["col"]): x for x in t["cells"]}
    assert (cells[(5, 4)]["value"], cells[(5, 4)]["state"]) == ("846.10", "corrected")  # moved one column left
    assert (cells[(4, 0)]["value"], cells[(4, 0)]["state"]) == ("201", "accepted")
    # a correction on the new grid names the position's version (1: the accept made at (4, 1) before)
    assert cells[(4, 1)]["version"] == 1
    body2 = {**body, "grid": 1, "row": 4, "col": 1, "text": "07", "version": 0}
    assert c.post("/api/cells", json=body2).status_code == 409
    assert c.post("/api/cells", json={**body2, "version": 1}).status_code == 200
    assert c.get("/api/documents/doc/view").json()["stale_corrections"] == []


def test_stale_structure_edit_after_rerun(streaked, pm, tmp_path):
    out, _good = streaked
    c = client(out)
    assert edit(c, "merge_cols", {"first": 0, "last": 1}, 0).status_code == 200
    from pipeline.export import write_document

    right = document_of([table_with_boxes(EXPENDITURE_ROWS, RIGHT_WIDTHS)], tmp_path / "scan.png", pm)
    write_document(out, "doc", right)  # the pipeline re-ran and read the right grid itself
    view = client(out).get("/api/documents/doc/view").json()
    assert [e["op"] for e in view["stale_structure_edits"]] == ["merge_cols"]
    assert view["tables"][0]["n_cols"] == 7 and view["check_summary"]["fail"] == 0
    client(out).post("/api/export")
    rev = json.loads((out / "doc" / "document.reviewed.json").read_text(encoding="utf-8"))
    assert len(rev["stale_structure_edits"]) == 1 and rev["structure_edits"] == []


def test_continuation_follows_its_heads_column_map(tmp_path, pm):
    rows = streaked_rows(EXPENDITURE_ROWS)
    head = table_with_boxes(rows[:8], STREAK_WIDTHS)
    cont_rows = [["", "<", "<", "<", "<", "", "", ""], *rows[8:]]  # a continuation: no title, same streak
    from dataclasses import replace

    cont = replace(table_with_boxes(cont_rows, STREAK_WIDTHS, tid="p002-t1", title=""), page=2, continued=True)
    out = tmp_path / "out"
    (out / "doc").mkdir(parents=True)
    draw_page(tmp_path / "scan.png", head)
    doc = document_of([head, cont], tmp_path / "scan.png", pm)
    doc["pages"].append({**doc["pages"][0], "page": 2})
    (out / "doc" / "document.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    c = client(out)
    assert edit(c, "merge_cols", {"first": 0, "last": 1}, 0).status_code == 200
    view = c.get("/api/documents/doc/view").json()
    assert [t["n_cols"] for t in view["tables"]] == [7, 7]
    cells = {(x["row"], x["col"]): x["value"] for x in view["tables"][1]["cells"]}
    assert cells[(1, 0)] == "208" and cells[(1, 3)] == "社会保障和就业支出"
    c.post("/api/export")
    rev = json.loads((out / "doc" / "document.reviewed.json").read_text(encoding="utf-8"))
    codes = {(r["part"], r["subject_code"]) for t in rev["tables"] for r in t["records"]}
    assert ("p002-t1", "2080505") in codes and ("p001-t1", "2010602") in codes


def test_split_reads_the_halves_again_from_the_page(tmp_path):
    """A cell holding two values ("12" | "34") split at the ruling the grid missed: both halves are read again
    by the OCR engine from the page; without the page the halves are flagged for typing."""
    out = tmp_path / "out"
    from tests.review.conftest import make_table, write_doc

    src = tmp_path / "scan.png"
    img = np.full((240, 420), 255, np.uint8)
    cv2.putText(img, "12", (150, 125), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    cv2.putText(img, "34", (220, 125), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    cv2.imwrite(str(src), img)
    table = make_table("p001-t1", {})
    write_doc(out, "doc", [table], src)
    c = client(out)
    assert edit(c, "split_col", {"col": 1, "at": 210}, 0).status_code == 200
    t = c.get("/api/documents/doc/view").json()["tables"][0]
    cells = {(x["row"], x["col"]): x for x in t["cells"]}
    assert t["n_cols"] == 4 and (cells[(1, 1)]["value"], cells[(1, 2)]["value"]) == ("12", "34")
    assert "reread" in cells[(1, 1)]["flags"] and cells[(0, 1)]["value"] == ""  # header half: read as empty
    assert (out / "doc" / ".review" / "reread.json").is_file()
    src.unlink()
    (out / "doc" / ".review").rename(out / "doc" / ".review-gone")  # no cached page, no cached readings
    t = client(out).get("/api/documents/doc/view").json()["tables"][0]
    cells = {(x["row"], x["col"]): x for x in t["cells"]}
    assert "needs-typing" in cells[(1, 1)]["flags"] and cells[(1, 1)]["queued"]


# ------------------------------------------------------------------------------------------- queue order


def test_queue_one_culprit_first_confirmed_cells_never(tmp_path, pm):
    """One misread amount (546.09 read 516.09): the misread cell comes first with its reasons in words; the cells
    that a passing check confirms are never queued, even when read with low confidence."""
    from tests.fiscal.tables import misread

    rows = misread(EXPENDITURE_ROWS, 6, 5, "516.09")
    table = table_with_boxes(rows, RIGHT_WIDTHS)
    low = {(8, 4): 0.3}  # 200.00 read with low confidence, but confirmed by 208 = Σ its 款
    from dataclasses import replace

    table = replace(table, cells=tuple(replace(x, confidence=low.get((x.row, x.col), 0.99)) if (x.row, x.col) in low
                                       else replace(x, confidence=0.6 if (x.row, x.col) == (6, 5) else 0.99)
                                       for x in table.cells))
    out = tmp_path / "out"
    (out / "doc").mkdir(parents=True)
    doc = document_of([table], tmp_path / "scan.png", pm)
    (out / "doc" / "document.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    items = client(out).get("/api/worklist").json()["items"]
    first = items[0]
    assert (first["kind"], first["row"], first["col"], first["tier"]) == ("cell", 6, 5, 1)
    assert any("行政运行" in r and "should" in r for r in first["reasons"]) or any(
        "should be the sum" in r for r in first["reasons"])
    assert (8, 4) not in {(i.get("row"), i.get("col")) for i in items}
    ctx = client(out).get("/api/documents/doc/context/p001-t1/6/5").json()
    assert [h["text"] for h in ctx["row_header"]] == ["201", "06", "01", "行政运行"]
    assert ctx["col_label"] == "基本支出" and ctx["title"] == "支出决算表" and ctx["unit"] == "万元"


def test_two_block_row_header_is_the_cells_own_block(tmp_path, pm):
    rows = [["经济分类", "<", "科目名称", "决算数", "经济分类", "<", "科目名称", "决算数"],
            ["类", "款", "^", "^", "类", "款", "^", "^"],
            ["301", "", "工资福利支出", "100.00", "302", "", "商品和服务支出", "30.00"],
            ["301", "01", "基本工资", "100.00", "302", "01", "办公费", "30.00"],
            ["人员经费合计", "<", "<", "100.00", "公用经费合计", "<", "<", "30.00"]]
    table = table_with_boxes(rows, [60, 60, 200, 100, 60, 60, 200, 100], title="一般公共预算财政拨款基本支出决算表")
    out = tmp_path / "out"
    (out / "doc").mkdir(parents=True)
    doc = document_of([table], tmp_path / "scan.png", pm)
    (out / "doc" / "document.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    ctx = client(out).get("/api/documents/doc/context/p001-t1/3/7").json()
    assert [h["text"] for h in ctx["row_header"]] == ["302", "01", "办公费"]
    assert ctx["col_label"].endswith("决算数") and [h["text"] for h in ctx["col_header"]] == ["决算数"]


def test_row_cut_by_a_false_ruling_is_one_structure_item_and_merging_rows_repairs_it(tmp_path, pm):
    """A horizontal streak cut the 行政运行 row: its code and name in one grid row, its amounts in the next."""
    rows = [list(r) for r in EXPENDITURE_ROWS]
    cut = rows[6]
    rows[6:7] = [[*cut[:4], "", "", ""], ["", "", "", "", *cut[4:]]]
    table = table_with_boxes(rows, RIGHT_WIDTHS)
    out = tmp_path / "out"
    (out / "doc").mkdir(parents=True)
    doc = document_of([table], tmp_path / "scan.png", pm)
    assert doc["check_summary"]["fail"] > 0
    (out / "doc" / "document.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    c = client(out)
    first = c.get("/api/worklist").json()["items"][0]
    assert (first["kind"], first["op"], first["args"], first["tier"]) == ("structure", "merge_rows",
                                                                           {"first": 6, "last": 7}, 0)
    assert edit(c, "false_ruling", {"axis": "row", "index": 7}, 0).status_code == 200  # the same repair
    c.post("/api/export")
    rev = json.loads((out / "doc" / "document.reviewed.json").read_text(encoding="utf-8"))
    good = document_of([table_with_boxes(EXPENDITURE_ROWS, RIGHT_WIDTHS)], tmp_path / "scan.png", pm)
    assert rev["check_summary"]["fail"] == 0
    assert record_set(rev["tables"][0]["records"]) == record_set(good["tables"][0]["records"])


def test_column_role_overrides_the_column_map(streaked):
    out, _good = streaked
    c = client(out)
    assert edit(c, "merge_cols", {"first": 0, "last": 1}, 0).status_code == 200
    assert edit(c, "column_role", {"col": 6, "role": "none"}, 1).status_code == 200  # 项目支出: not a value
    assert edit(c, "column_role", {"col": 5, "role": "project"}, 2).status_code == 200  # 基本支出 as 项目支出
    view = c.get("/api/documents/doc/view").json()
    assert "6" not in view["tables"][0]["columns"] and view["tables"][0]["columns"]["5"] == "project"
    c.post("/api/export")
    rev = json.loads((out / "doc" / "document.reviewed.json").read_text(encoding="utf-8"))
    keys = {(r["subject_code"], r["column"], r["col"]) for r in rev["tables"][0]["records"]}
    assert ("2010601", "project", 5) in keys and not any(col == 6 for _c, _k, col in keys)


def test_band_edges_between_spanning_cells():
    from pipeline.review.structure import band_edges

    table = {"n_rows": 2, "n_cols": 3, "cells": [
        {"row": 0, "col": 0, "rowspan": 1, "colspan": 2, "bbox": [0, 0, 200, 10]},
        {"row": 0, "col": 2, "rowspan": 1, "colspan": 1, "bbox": [200, 0, 300, 10]},
        {"row": 1, "col": 0, "rowspan": 1, "colspan": 2, "bbox": [0, 10, 200, 20]},
        {"row": 1, "col": 2, "rowspan": 1, "colspan": 1, "bbox": [200, 10, 300, 20]}]}
    assert band_edges(table, "col") == [0, 100, 200, 300]  # no cell starts or ends at ruling 1
    assert band_edges(table, "row") == [0, 10, 20]
