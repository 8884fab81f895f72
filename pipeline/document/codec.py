"""document.json both ways: one codec for tables, their notes, pages and the whole document.

``table_to_json`` / ``table_from_json`` turn a :class:`~pipeline.model.Table` (cells and typed
:class:`~pipeline.document.notes.TableNotes`) into its document.json object and back;
``notes_to_json`` / ``notes_from_json`` do the notes alone (keys in :class:`TableNotes` field order, a field
that was never set left out).  ``document_json`` assembles the whole document (pages, tables with their
records and checks from an :class:`~pipeline.document.analysis.Analysis`).  Reading back keeps what the
pipeline wrote and nothing else: records and checks are recomputed, never read as table data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline import __version__
from pipeline.document.notes import Block, ColumnMap, TableNotes, column_map
from pipeline.model import BBox, Cell, PageResult, Table

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipeline.config import PipelineConfig
    from pipeline.document.checks.engine import CheckResult
    from pipeline.document.result import Analysis
    from pipeline.interfaces import OcrEngine

SCHEMA = "fiscalscan.document/1"


# ------------------------------------------------------------------------------------------------ notes

def _map_json(pairs: ColumnMap) -> dict[str, str]:
    return {str(k): v for k, v in pairs}


def _map_of(raw: Any) -> ColumnMap | None:
    return column_map(raw) if isinstance(raw, dict) else None


def block_to_json(block: Block) -> dict[str, Any]:
    return {"rows": list(block.rows), "columns": _map_json(block.columns), "labels": _map_json(block.labels)}


def block_from_json(d: dict[str, Any]) -> Block:
    return Block(rows=tuple(int(r) for r in d["rows"]), columns=column_map(dict(d["columns"])),
                 labels=column_map(dict(d.get("labels") or {})))


def notes_to_json(notes: TableNotes) -> dict[str, Any]:
    """The document.json keys of ``notes`` (``document_kind`` is a hint and never written)."""
    out: dict[str, Any] = {}
    if notes.unit is not None:
        out["unit"] = notes.unit
    if notes.table_code is not None:
        out["table_code"] = notes.table_code
    if notes.text_source is not None:
        out["text_source"] = notes.text_source
    if notes.repairs is not None:
        out["repairs"] = list(notes.repairs)
    if notes.columns is not None:
        out["columns"] = _map_json(notes.columns)
    if notes.header_rows is not None:
        out["header_rows"] = notes.header_rows
    if notes.labels is not None:
        out["labels"] = _map_json(notes.labels)
    if notes.blocks is not None:
        out["blocks"] = [block_to_json(b) for b in notes.blocks]
    if notes.not_values is not None:
        out["not_values"] = list(notes.not_values)
    if notes.fuzzy_labels is not None:
        out["fuzzy_labels"] = dict(notes.fuzzy_labels)
    return out


def notes_from_json(d: dict[str, Any]) -> TableNotes:
    """The notes of a document.json table object (other keys ignored)."""
    header_rows = d.get("header_rows")
    return TableNotes(
        unit=None if d.get("unit") is None else str(d["unit"]),
        table_code=None if d.get("table_code") is None else str(d["table_code"]),
        text_source=None if d.get("text_source") is None else str(d["text_source"]),
        repairs=None if d.get("repairs") is None else tuple(str(r) for r in d["repairs"]),
        columns=_map_of(d.get("columns")),
        header_rows=header_rows if isinstance(header_rows, int) and not isinstance(header_rows, bool) else None,
        labels=_map_of(d.get("labels")),
        blocks=None if d.get("blocks") is None else tuple(block_from_json(b) for b in d["blocks"]),
        not_values=None if not isinstance(d.get("not_values"), list) else tuple(int(c) for c in d["not_values"]),
        fuzzy_labels=None if not isinstance(d.get("fuzzy_labels"), dict)
        else tuple((str(k), str(v)) for k, v in d["fuzzy_labels"].items()))


# ------------------------------------------------------------------------------------------------ tables

def table_to_json(table: Table, review_threshold: float) -> dict[str, Any]:
    return {
        "id": table.id, "page": table.page, "bbox": table.bbox.as_list(), "title": table.title,
        "continued": table.continued, "type": table.type, "type_confidence": round(table.type_confidence, 4),
        "n_rows": table.n_rows, "n_cols": table.n_cols,
        "structure_confidence": round(table.structure_confidence, 4),
        "cells": [
            {"row": c.row, "col": c.col, "rowspan": c.rowspan, "colspan": c.colspan, "text": c.text,
             "confidence": round(c.confidence, 4), "needs_review": c.confidence < review_threshold,
             "bbox": c.bbox.as_list(), **({"flags": list(c.flags)} if c.flags else {}),
             **({"ocr_confidence": round(c.ocr_confidence, 4)} if c.ocr_confidence is not None else {}),
             **({"suggestion": c.suggestion} if c.suggestion is not None else {})}
            for c in table.cells
        ],
        **notes_to_json(table.notes),
    }


def table_from_json(d: dict[str, Any], reading_confidence: bool = False) -> Table:
    """A :class:`Table` back from its document.json form (type and notes kept: columns, labels, unit…).
    ``reading_confidence``: the reading's own confidence (``ocr_confidence`` where fusion changed it) instead of
    the final one."""
    def conf(c: dict[str, Any]) -> float:
        if reading_confidence:
            return float(c.get("ocr_confidence", c.get("confidence", 1.0)))
        return float(c.get("confidence", 1.0))

    cells = tuple(Cell(row=c["row"], col=c["col"], rowspan=c.get("rowspan", 1), colspan=c.get("colspan", 1),
                       text=c["text"], confidence=conf(c), bbox=BBox(*c["bbox"]),
                       flags=tuple(f for f in c.get("flags", ()) if not f.startswith("check:") and f != "structure"))
                  for c in d["cells"])
    return Table(id=d["id"], page=d["page"], bbox=BBox(*d["bbox"]), n_rows=d["n_rows"], n_cols=d["n_cols"],
                 cells=cells, title=d.get("title", ""), continued=bool(d.get("continued")),
                 type=d.get("type", "generic"), type_confidence=float(d.get("type_confidence", 0.0)),
                 structure_confidence=float(d.get("structure_confidence", 1.0)), notes=notes_from_json(d))


def checks_touching(table_id: str, checks: Sequence[CheckResult]) -> list[dict[str, Any]]:
    """The checks with a cell in physical table ``table_id``, as JSON."""
    return [c.to_json() for c in checks if any(t.ref is not None and t.ref[0] == table_id for t in c.terms)]


def table_json(table: Table, config: PipelineConfig, analysis: Analysis | None) -> dict[str, Any]:
    """``table`` as document.json writes it: cells and notes, then its records and the checks touching it."""
    out = table_to_json(table, config.review_threshold)
    if analysis is not None:
        out["records"] = [r.to_json() for r in analysis.records if r.part == table.id]
        out["checks"] = checks_touching(table.id, analysis.checks)
    return out


# ------------------------------------------------------------------------------------------------ document

def capture_json(p: PageResult) -> dict[str, Any]:
    """The page's capture record, present only when something was done or noticed: ``perspective`` (3×3
    homography, input pixels -> page before rotation/deskew), ``seals`` (boxes on the upright page),
    ``warnings``."""
    out: dict[str, Any] = {}
    if p.perspective is not None:
        out["perspective"] = list(p.perspective)
    if p.seals:
        out["seals"] = [b.as_list() for b in p.seals]
    if p.warnings:
        out["warnings"] = list(p.warnings)
    return out


def document_json(path: str, sha: str, n_pages: int, pages: Sequence[PageResult], tables: Sequence[Table],
                  config: PipelineConfig, engine: OcrEngine | None, analysis: Analysis | None = None
                  ) -> dict[str, Any]:
    checks = {} if analysis is None else {"check_summary": analysis.summary(),
                                          "checks": [c.to_json() for c in analysis.checks]}
    return {
        "schema": SCHEMA,
        "generator": {"name": "fiscalscan", "version": __version__,
                      **({"ocr": engine.describe()} if engine is not None else {})},
        "source": {"path": path, "sha256": sha, "pages": n_pages},
        "review_threshold": config.review_threshold,
        "pages": [{"page": p.page, "width": p.width, "height": p.height, "dpi": p.dpi, "rotation": p.rotation,
                   "skew": p.skew, "text_layer": p.text_layer, "status": p.status, "error": p.error,
                   "source": p.source, "tables": len(p.tables), "seconds": round(p.seconds, 3),
                   **({"timings": {k: round(v, 4) for k, v in p.timings}} if config.timings else {}),
                   **capture_json(p)} for p in pages],
        "tables": [table_json(t, config, analysis) for t in tables],
        **checks,
    }


def with_records_and_checks(document: dict[str, Any], analysis: Analysis) -> dict[str, Any]:
    """A copy of ``document`` whose tables' ``records`` and ``checks`` and whose ``check_summary`` and
    ``checks`` are those of ``analysis`` (every other key kept, in place)."""
    tables = [{**t, "records": [r.to_json() for r in analysis.records if r.part == t["id"]],
               "checks": checks_touching(t["id"], analysis.checks)} for t in document.get("tables", [])]
    return {**document, **({"tables": tables} if "tables" in document else {}), "check_summary": analysis.summary(),
            "checks": [c.to_json() for c in analysis.checks]}
