"""``fiscalscan eval`` record scores: truth records from the project's own recognisers on the truth cells."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline import cli
from pipeline import evaluate as ev
from pipeline.evaluate.records import record_key, score_records, truth_records
from tests.unit.test_evaluate import document, grid, make_corpus, write_json

EXPENDITURE = grid([["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"],
                    ["201", "一般公共服务支出", "846.09", "546.09", "300.00"],
                    ["20106", "财政事务", "846.09", "546.09", "300.00"],
                    ["2010601", "行政运行", "546.09", "546.09", ""],
                    ["2010602", "一般行政管理事务", "300.00", "", "300.00"]], title="支出决算表")


def predicted(truth: dict[str, Any], wrong: dict[tuple[int, int], str] | None = None,
              low: set[tuple[int, int]] = frozenset()) -> dict[str, Any]:
    """The pipeline's own analysis of the truth cells, as a document.json (with misreads ``wrong`` and cells
    read with low confidence ``low``)."""
    from pipeline.config import PipelineConfig
    from pipeline.document.analysis import analyse
    from pipeline.evaluate.records import _plugin_manager, _truth_table
    from pipeline.export import table_to_json
    from pipeline.runner import recognise

    pm = _plugin_manager()
    tables = []
    for t in truth["tables"]:
        tt = _truth_table(t)
        cells = tuple(c.__class__(**{**{f: getattr(c, f) for f in c.__slots__},
                                     "text": (wrong or {}).get((c.row, c.col), c.text),
                                     "confidence": 0.3 if (c.row, c.col) in low else 0.99})
                      for c in tt.cells)
        tables.append(tt.__class__(**{**{f: getattr(tt, f) for f in tt.__dataclass_fields__}, "cells": cells}))
    tables = recognise(tables, pm.recognizers())
    a = analyse("doc-a", tables, pm.recognizers(), pm, PipelineConfig(), fusion=False)
    out = []
    for t in a.tables:
        d = table_to_json(t, 0.9)
        d["records"] = [r.to_json() for r in a.records if r.part == t.id]
        out.append(d)
    return document(out, threshold=0.9)


def test_record_identity():
    typed = {"subject_code": "2010601", "level": "项", "subject_name": "行政运行", "column": "basic",
             "label": "基本支出", "value": "546.09", "text": "546.09"}
    assert record_key("final.expenditure", typed) == ("final.expenditure", "2010601|项", "basic", "546.09")
    untyped = {"subject_code": "", "subject_name": "产出指标 / 数量指标", "column": "", "label": "金 额",
               "value": None, "text": "≥ 90%"}
    assert record_key("generic", untyped) == ("generic", "产出指标/数量指标", "label:金额", "text:≥90%")


def test_score_is_a_multiset_match_with_confident_precision():
    a, b, c = ("t", "1", "x", "1"), ("t", "2", "x", "2"), ("t", "3", "x", "3")
    tally = score_records([a, b, b], [(a, 0.99), (b, 0.95), (b, 0.5), (b, 0.2), (c, 0.97)], 0.9)
    assert (tally.truth, tally.pred, tally.right, tally.confident, tally.confident_right) == (3, 5, 3, 3, 2)
    j = tally.to_json()
    assert j["recall"] == 1.0 and j["precision"] == 0.6 and j["confident_precision"] == pytest.approx(0.6667, 1e-3)
    assert j["confident_wrong"] == 1


def test_truth_records_come_from_the_projects_own_record_builder():
    keys = truth_records({"tables": [EXPENDITURE]}, "doc-a")
    assert ("final.expenditure", "2010601|项", "basic", "546.09") in keys
    assert len(keys) == 10  # empty cells make no record


def test_eval_reports_records_per_document_and_overall(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    corpus = make_corpus(tmp_path / "corpus", {"doc-a": [EXPENDITURE]})
    truth = {"tables": [EXPENDITURE]}
    # one confident misread (2010602 read 2010603: a wrong key), one misread read with low confidence
    pred = predicted(truth, wrong={(4, 0): "2010603", (1, 3): "540.09"}, low={(1, 3)})
    write_json(tmp_path / "out" / "doc-a" / "document.json", pred)
    out_json = tmp_path / "res.json"
    assert cli.main(["eval", "--truth", str(corpus), "--pred", str(tmp_path / "out"), "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "records doc-a" in text and "records OVERALL" in text
    data = json.loads(out_json.read_text(encoding="utf-8"))
    rec = data["documents"]["doc-a"]["records"]
    assert set(rec) >= {"recall", "precision", "confident_precision", "confident_wrong"}
    assert rec["truth"] == 10 and rec["predicted"] == 10 and rec["right"] == 7
    assert rec["confident_wrong"] == 2  # the two records of the mis-keyed row
    assert data["overall"]["records"]["right"] == 7


def test_perfect_prediction_has_perfect_records(tmp_path: Path):
    corpus = make_corpus(tmp_path / "corpus", {"doc-a": [EXPENDITURE]})
    write_json(tmp_path / "out" / "doc-a.json", predicted({"tables": [EXPENDITURE]}))
    rec = ev.evaluate(corpus, tmp_path / "out").documents[0].records
    assert rec is not None and rec.to_json()["recall"] == 1.0 and rec.to_json()["confident_precision"] == 1.0
