"""The document half runs as the ordered list ``STEPS``; running it equals calling the steps by hand."""

from __future__ import annotations

from pipeline.config import PipelineConfig
from pipeline.document.analysis import analyse
from pipeline.document.continuations import mark_continuations
from pipeline.document.recognise import recognise
from pipeline.document.stage import STEPS, run_document_stage
from pipeline.model import PageResult
from pipeline.plugin_manager import PluginManager
from tests.fiscal.tables import EXPENDITURE_ROWS, SUMMARY_ROWS, table_of


def test_steps_in_data_order() -> None:
    assert [name for name, _ in STEPS] == ["continuations", "types", "analysis"]


def test_stage_equals_the_steps_by_hand(pm: PluginManager) -> None:
    pages = [PageResult(page=1, width=800, height=1000, dpi=200,
                        tables=(table_of(SUMMARY_ROWS, title="收入支出决算总表", id="p001-t1"),)),
             PageResult(page=2, width=800, height=1000, dpi=200,
                        tables=(table_of(EXPENDITURE_ROWS, title="支出决算表", id="p002-t1", page=2),))]
    config = PipelineConfig()
    state = run_document_stage("doc", pages, pm, config)
    recs = pm.recognizers()
    marked = mark_continuations(pages)
    by_hand = analyse("doc", recognise([t for p in marked for t in p.tables], recs), recs, pm, config)
    assert state.analysis is not None
    assert state.analysis.summary() == by_hand.summary() and state.analysis.summary()["pass"] > 0
    assert [r.to_json() for r in state.analysis.records] == [r.to_json() for r in by_hand.records]
    assert [t.type for t in state.tables] == [t.type for t in by_hand.tables] != ["generic", "generic"]
