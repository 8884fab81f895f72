"""The document-level stage after OCR: logical tables → records → arithmetic checks → fused confidence →
vocabulary confirmation of label cells (:mod:`pipeline.document.vocabulary`) → near-misses of a column's own
repeated texts and confirmation by texts read surely elsewhere in the document (:mod:`pipeline.document.column_near`).

Step 3 of the document half (:mod:`pipeline.document`).  Input: typed tables (continuations marked); output:
an :class:`Analysis`.  Pure except for the plugin manager's ``check_document`` hook; used by
:func:`pipeline.document.stage.run_document_stage`,
by ``bench/table_types.py`` (the same stage fed with ground-truth tables), by ``bench/reanalyse.py`` and by
the reviewed export (records and checks from corrected cells).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pipeline.config import PipelineConfig
from pipeline.document.checks.engine import CheckResult
from pipeline.document.checks.generic import same_amount_checks, template_free_checks
from pipeline.document.checks.rules import run_table_checks
from pipeline.document.codec import table_from_json, with_records_and_checks
from pipeline.document.column_near import cap_column_near_misses, document_vocabulary
from pipeline.document.fusion import fuse
from pipeline.document.logical import logical_tables
from pipeline.document.records import LogicalTable, records_of
from pipeline.document.result import Analysis
from pipeline.document.structure import doubtful_cells, empty_header_cells, map_disagreements
from pipeline.document.vocabulary import confirm_vocabulary, standard
from pipeline.interfaces import TableRecognizer
from pipeline.model import Table

if TYPE_CHECKING:
    from pipeline.plugin_manager import PluginManager


def name_classes(logical: list[LogicalTable]) -> list[LogicalTable]:
    """Uncoded items (the 一、二、… expenditure items of a 总表) take the 类 code of the row with the same name in
    the document's coded tables, so their records join the function classification."""
    from dataclasses import replace

    from pipeline.tabletypes import norm

    classes: dict[str, str] = {}
    for lt in logical:
        for r in lt.rows:
            if len(r.code) == 3 and r.name:
                classes.setdefault(norm(r.name), r.code)
    if not classes:
        return logical
    out = []
    for lt in logical:
        rows = tuple(replace(r, code=classes[norm(r.name)], level="类")
                     if not r.code and r.depth == 1 and norm(r.name) in classes else r for r in lt.rows)
        out.append(replace(lt, rows=rows))
    return out


def rules_for(type_id: str, recognizers: Sequence[TableRecognizer]) -> tuple[str, ...]:
    for r in recognizers:
        rules = r.check_rules(type_id)
        if rules:
            return rules
    return ()


def analyse(document: str, tables: Sequence[Table], recognizers: Sequence[TableRecognizer],
            pm: PluginManager | None, config: PipelineConfig, fusion: bool = True) -> Analysis:
    logical = name_classes(logical_tables(tables))
    table_checks: list[CheckResult] = []
    for lt in logical:
        rules = rules_for(lt.type, recognizers)
        table_checks.extend(run_table_checks(lt, rules))
        table_checks.extend(template_free_checks(lt, rules))
    cross = pm.check_document(tables=logical, config=config) if pm is not None else []
    cross = [*cross, *same_amount_checks(logical)]
    suspects = [ref for lt in logical for row in lt.rows for ref in row.suspects]
    suspects += [ref for lt in logical for ref in map_disagreements(lt)]
    suspects += [ref for t in tables for ref in (*doubtful_cells(t), *empty_header_cells(t))]
    vocab = standard() | document_vocabulary(tables)
    fused = cap_column_near_misses(confirm_vocabulary(fuse(tables, [*table_checks, *cross], suspects), vocab)) \
        if fusion else list(tables)
    confidence = {(t.id, c.row, c.col): c.confidence for t in fused for c in t.cells}
    records = [r for lt in logical for r in records_of(document, lt, confidence)]
    return Analysis(tables=tuple(fused), logical=tuple(logical), table_checks=tuple(table_checks),
                    cross_checks=tuple(cross), records=tuple(records))


def refresh_records_and_checks(document: dict[str, Any], name: str, pm: PluginManager,
                               config: PipelineConfig) -> dict[str, Any]:
    """A copy of ``document`` (a document.json dict whose cell texts changed, e.g. by review) with its records
    and checks computed again from the cells as they are now; types, columns and confidences are kept."""
    tables = [table_from_json(t) for t in document.get("tables", [])]
    result = analyse(name, tables, pm.recognizers(), pm, config, fusion=False)
    return with_records_and_checks(document, result)
