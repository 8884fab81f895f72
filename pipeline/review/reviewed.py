"""Export of reviewed documents: ``document.reviewed.json``, ``records.reviewed.csv`` and
``tables_reviewed/*.csv`` per document.

Corrections are applied by (table id, row, col); stale ones (cell gone or its recognised text changed since)
are not applied but listed under ``stale_corrections`` so that nothing is dropped silently.  The records and
arithmetic checks are then computed again from the corrected cells, so the reviewed data carry the reviewer's
values and show which checks a correction balanced.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pipeline.analysis import refresh_records_and_checks
from pipeline.config import PipelineConfig
from pipeline.export import atomic_write_json, atomic_write_text, records_csv, swap_into_place, table_csv
from pipeline.plugin_manager import PluginManager
from pipeline.review.store import (
    Correction,
    ReviewStore,
    cell_index,
    is_stale,
    list_documents,
    load_document,
    page_keys,
)


def reviewed_document(document: dict[str, Any], latest: dict[Any, Correction]) -> dict[str, Any]:
    """A copy of ``document`` with the (non-stale) corrections applied and per-cell provenance."""
    out = copy.deepcopy(document)
    out["reviewed"] = True
    cells = cell_index(out)
    keys = page_keys(out)
    stale = [c for c in latest.values() if is_stale(c, cells, keys)]
    applied = {(c.table_id, c.row, c.col): c for c in latest.values() if c not in stale}
    for table in out.get("tables", []):
        for cell in table["cells"]:
            corr = applied.get((table["id"], cell["row"], cell["col"]))
            if corr is None:
                cell["source"] = "ocr"
                continue
            cell.update(text=corr.new_text, confidence=1.0, needs_review=False, source="reviewer",
                        reviewer=corr.reviewer, review_action=corr.action)
    out["stale_corrections"] = [c.as_dict() for c in stale]
    return out


def export_document(out_dir: Path, name: str, store: ReviewStore, pm: PluginManager | None = None
                    ) -> dict[str, Any]:
    """Write one document's reviewed JSON and CSVs atomically; returns a summary.  ``pm`` (the plugins whose
    checks run again on the corrected cells) is made when not given."""
    doc_dir = out_dir / name
    reviewed = reviewed_document(load_document(out_dir, name), store.latest(name))
    if any("records" in t for t in reviewed.get("tables", [])):
        config = PipelineConfig(review_threshold=float(reviewed.get("review_threshold", 0.9)))
        refresh_records_and_checks(reviewed, name, pm or PluginManager(), config)
        atomic_write_text(doc_dir / "records.reviewed.csv", records_csv(reviewed, name))
    _swap_tables(doc_dir, reviewed)
    atomic_write_json(doc_dir / "document.reviewed.json", reviewed)
    n = sum(1 for t in reviewed["tables"] for c in t["cells"] if c["source"] == "reviewer")
    return {"document": name, "reviewer_cells": n, "stale": len(reviewed["stale_corrections"]),
            "path": str(doc_dir / "document.reviewed.json")}


def export_all(out_dir: Path, store: ReviewStore | None = None) -> list[dict[str, Any]]:
    store = store or ReviewStore(out_dir)
    pm = PluginManager()
    return [export_document(out_dir, name, store, pm) for name in list_documents(out_dir)]


def _swap_tables(doc_dir: Path, reviewed: dict[str, Any]) -> None:
    """Build ``tables_reviewed`` beside its final place, then rename it in."""
    staging = Path(tempfile.mkdtemp(prefix=".tables_reviewed.", dir=doc_dir))
    final = doc_dir / "tables_reviewed"
    try:
        for t in reviewed["tables"]:
            (staging / f"{t['id']}.csv").write_text(table_csv(t), encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_into_place(staging, final)
