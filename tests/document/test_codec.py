"""The document.json codec: tables and their typed notes written and read back."""

from __future__ import annotations

import json

from pipeline.config import PipelineConfig
from pipeline.document.codec import (
    notes_from_json,
    notes_to_json,
    table_from_json,
    table_json,
    table_to_json,
    with_records_and_checks,
)
from pipeline.document.notes import Block, TableNotes
from pipeline.plugin_manager import PluginManager
from tests.fiscal.tables import EXPENDITURE_ROWS, SUMMARY_ROWS, run, table_of

FULL = TableNotes(unit="万元", table_code="公开08表", text_source="text_layer", repairs=("columns 2-3 merged",),
                  columns=((0, "code"), (1, "name"), (2, "total")), header_rows=2,
                  labels=((2, "本年支出合计"),),
                  blocks=(Block(rows=(1,), columns=((0, "name"), (2, "budget_initial")), labels=((2, "年初预算数"),)),),
                  not_values=(4,), fuzzy_labels=(("total", "本年支出合许"),), document_kind="final")


def test_notes_round_trip_in_field_order_and_the_hint_is_never_written() -> None:
    d = notes_to_json(FULL)
    assert list(d) == ["unit", "table_code", "text_source", "repairs", "columns", "header_rows", "labels", "blocks",
                       "not_values", "fuzzy_labels"]
    assert d["columns"] == {"0": "code", "1": "name", "2": "total"}
    back = notes_from_json(json.loads(json.dumps(d)))
    assert back == TableNotes(**{**{f: getattr(FULL, f) for f in FULL.__dataclass_fields__}, "document_kind": None})


def test_unset_notes_are_absent_and_set_empty_ones_are_written() -> None:
    assert notes_to_json(TableNotes()) == {}
    assert notes_to_json(TableNotes(labels=(), repairs=())) == {"repairs": [], "labels": {}}
    assert notes_from_json({"labels": {}}).labels == ()
    assert notes_from_json({"id": "x", "header_rows": True}).header_rows is None  # not a row count


def test_table_write_read_write_is_identical(pm: PluginManager) -> None:
    """Typed tables (what the analysis reads) come back as they were written; what the analysis computes
    again (check flags, fused confidence, suggestions) is not read back, see the next test."""
    analysis = run(pm, [table_of(SUMMARY_ROWS, title="收入支出决算总表", id="p001-t1"),
                        table_of(EXPENDITURE_ROWS, title="支出决算表", id="p002-t1", page=2)], fusion=False)
    assert all(t.notes.columns for t in analysis.tables) and analysis.tables[1].notes.labels
    config = PipelineConfig()
    for t in analysis.tables:
        first = json.loads(json.dumps(table_to_json(t, config.review_threshold), ensure_ascii=False))
        again = table_to_json(table_from_json(first), config.review_threshold)
        assert again == first
        assert json.dumps(again, ensure_ascii=False) == json.dumps(first, ensure_ascii=False)  # key order too
        assert table_from_json(first).notes == t.notes
        assert "records" in table_json(t, config, analysis)


def test_reading_back_drops_what_the_analysis_recomputes(pm: PluginManager) -> None:
    fused = run(pm, [table_of(EXPENDITURE_ROWS, title="支出决算表", confidence={(4, 4): 0.5})]).tables[0]
    written = table_to_json(fused, 0.9)
    cell = next(c for c in written["cells"] if (c["row"], c["col"]) == (4, 4))
    assert "check:pass" in cell["flags"] and cell["ocr_confidence"] == 0.5 and cell["confidence"] > 0.9
    back = table_from_json(written, reading_confidence=True)
    got = next(c for c in back.cells if (c.row, c.col) == (4, 4))
    assert got.confidence == 0.5 and got.flags == () and got.ocr_confidence is None
    assert next(c for c in table_from_json(written).cells if (c.row, c.col) == (4, 4)).confidence > 0.9


def test_records_and_checks_are_replaced_in_a_copy(pm: PluginManager) -> None:
    analysis = run(pm, [table_of(EXPENDITURE_ROWS, title="支出决算表")])
    doc = {"tables": [table_to_json(t, 0.9) for t in analysis.tables], "review_threshold": 0.9}
    before = json.dumps(doc, ensure_ascii=False)
    out = with_records_and_checks(doc, analysis)
    assert json.dumps(doc, ensure_ascii=False) == before  # the argument is not changed
    assert out["tables"][0]["records"] and out["check_summary"] == analysis.summary()
    assert list(out)[:2] == ["tables", "review_threshold"]
