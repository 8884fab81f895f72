"""What the harm-ordered queue proposes as a grid problem, on tables laid out as the corpus prints them: a
column cut by a streak is proposed, a printed column group is not (issue 12: the first item must be a real
problem, not a correct table)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.plugin_manager import PluginManager
from pipeline.review.queue import split_columns
from tests.review.typed import document_of, table_with_boxes


@pytest.fixture(scope="module")
def pm() -> PluginManager:
    return PluginManager()


def worklist(tmp_path: Path, doc: dict[str, Any]) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from pipeline.review.server import ReviewSettings, create_app

    out = tmp_path / "out"
    (out / "doc").mkdir(parents=True)
    (out / "doc" / "document.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return TestClient(create_app(ReviewSettings(out))).get("/api/worklist").json()["items"]


#: 政府性基金预算财政拨款收入支出决算表 of a department without such funds (putuo-template-js p013): 本年支出 over
#: 合计 / 基本支出 / 项目支出, printed in a row the type reads as data; no data below
EMPTY_FUND = [["项目", "<", "年初结转和结余", "本年收入", "本年支出", "<", "<", "年末结转和结余"],
              ["功能分类科目编码", "科目名称", "^", "^", "^", "^", "^", "^"],
              ["合计", "<", "", "", "合计", "基本支出", "项目支出", ""],
              ["", "", "", "", "", "", "", ""],
              ["", "", "", "", "", "", "", ""],
              ["", "", "", "", "", "", "", ""]]
EMPTY_FUND_WIDTHS = [120, 200, 100, 100, 100, 100, 100, 100]


def test_a_printed_column_group_is_no_grid_problem(tmp_path: Path, pm: PluginManager) -> None:
    """Three printed columns under one spanning label whose sub-labels the type reads as a data row: their
    cells hold words, not two values of one key, and no data row holds anything — no evidence of a cut column,
    so no grid item (it was the first queue item of putuo-template-js although the grid is right)."""
    table = table_with_boxes(EMPTY_FUND, EMPTY_FUND_WIDTHS, title="政府性基金预算财政拨款收入支出决算表")
    doc = document_of([table], tmp_path / "scan.png", pm)
    t = doc["tables"][0]
    assert t["type"] == "final.gov_fund" and len({t["columns"][str(c)] for c in (4, 5, 6)}) == 1  # as in the run
    assert split_columns(t) == []
    assert not [i for i in worklist(tmp_path, doc) if i["kind"] == "structure"]


def test_a_value_column_cut_by_a_streak_is_still_proposed(tmp_path: Path, pm: PluginManager) -> None:
    """The same rule keeps a streak through an amount column (putuo-wanli-2024-ys p016: 项目支出 cut, digits on
    both sides, one misread): two values under one key in one row, the column proposed for merging."""
    from tests.fiscal.tables import EXPENDITURE_ROWS

    rows = [list(r) for r in EXPENDITURE_ROWS]
    cut = []
    for r, row in enumerate(rows):
        text = row[6]
        if r >= 3 and text and text[0].isdigit():
            cut.append([*row[:6], text[:2], "i" + text[3:] if r == 5 else text[2:]])
        else:
            cut.append([*row[:6], text, "<" if r < 3 and text not in ("^", "<") else ("^" if text == "^" else "")])
    table = table_with_boxes(cut, [60, 60, 60, 320, 130, 130, 60, 70])
    doc = document_of([table], tmp_path / "scan.png", pm)
    assert (6, 7) in [(a, b) for a, b in split_columns(doc["tables"][0])]


def test_figures_before_words_among_low_confidence_cells(tmp_path: Path, pm: PluginManager) -> None:
    """Among cells only read with low confidence, a figure that feeds the records goes before labels — but a word
    the type keyed as a record (合计 of the sub-label row, doubted for its column key at 0.5) is no figure: the
    header cell misread at 0.07 comes first (putuo-template-js: 合计 twice before the misread code 31003 ，)."""
    from dataclasses import replace

    table = table_with_boxes(EMPTY_FUND, EMPTY_FUND_WIDTHS, title="政府性基金预算财政拨款收入支出决算表")
    table = replace(table, cells=tuple(replace(c, confidence=0.07, text="年初结转和结余。") if (c.row, c.col) == (0, 2)
                                       else c for c in table.cells))
    doc = document_of([table], tmp_path / "scan.png", pm)
    words = {(r["row"], r["col"]) for r in doc["tables"][0]["records"] if r["value"] is None}
    assert (2, 4) in words  # the type keys the word 合计 as a record
    items = worklist(tmp_path, doc)
    assert [(i["row"], i["col"]) for i in items][:2] == [(0, 2), (2, 4)]
