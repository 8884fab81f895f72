"""Export of reviewed documents: ``document.reviewed.json``, ``records.reviewed.csv`` and
``tables_reviewed/*.csv`` per document.

Structure edits are replayed and corrections applied as :mod:`pipeline.review.view` describes (regridded tables
typed again, cells a split changed read again from the page); stale corrections and structure edits are not
applied but listed under ``stale_corrections`` / ``stale_structure_edits`` so that nothing is dropped silently.
The records and arithmetic checks are computed again from the reviewed cells, so the reviewed data carry the
reviewer's values and grid and show which checks a repair balanced.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from pipeline.csvtext import records_csv, table_csv
from pipeline.export import swap_into_place
from pipeline.files import atomic_write_json, atomic_write_text
from pipeline.fsmodes import publish_dir
from pipeline.plugin_manager import PluginManager
from pipeline.review.store import ReviewStore, list_documents
from pipeline.review.view import build_view

#: cell keys the review view uses internally (not part of document.reviewed.json)
_VIEW_KEYS = ("base_text",)
_TABLE_VIEW_KEYS = ("role_overrides", "grid_ok")


def export_document(out_dir: Path, name: str, store: ReviewStore, pm: PluginManager | None = None
                    ) -> dict[str, Any]:
    """Write one document's reviewed JSON and CSVs atomically; returns a summary.  ``pm`` (the plugins that type
    regridded tables, read split cells and run the checks again) is made when not given."""
    doc_dir = out_dir / name
    view = build_view(out_dir, name, store, pm or PluginManager())
    reviewed = view.document
    reviewed["reviewed"] = True
    for t in reviewed.get("tables", []):
        for k in _TABLE_VIEW_KEYS:
            t.pop(k, None)
        for c in t["cells"]:
            for k in _VIEW_KEYS:
                c.pop(k, None)
    reviewed["stale_corrections"] = [c.as_dict() for c in view.stale]
    reviewed["structure_edits"] = [e.as_dict() for e in view.edits if e not in view.stale_edits]
    reviewed["stale_structure_edits"] = [e.as_dict() for e in view.stale_edits]
    if any("records" in t for t in reviewed.get("tables", [])):
        atomic_write_text(doc_dir / "records.reviewed.csv", records_csv(reviewed, name))
    _swap_tables(doc_dir, reviewed)
    atomic_write_json(doc_dir / "document.reviewed.json", reviewed)
    n = sum(1 for t in reviewed["tables"] for c in t["cells"] if c["source"] == "reviewer")
    return {"document": name, "reviewer_cells": n, "stale": len(reviewed["stale_corrections"]),
            "structure_edits": len(reviewed["structure_edits"]),
            "stale_structure_edits": len(view.stale_edits), "path": str(doc_dir / "document.reviewed.json")}


def export_all(out_dir: Path, store: ReviewStore | None = None) -> list[dict[str, Any]]:
    store = store or ReviewStore(out_dir)
    pm = PluginManager()
    return [export_document(out_dir, name, store, pm) for name in list_documents(out_dir)]


def _swap_tables(doc_dir: Path, reviewed: dict[str, Any]) -> None:
    """Build ``tables_reviewed`` beside its final place, then rename it in."""
    staging = Path(tempfile.mkdtemp(prefix=".tables_reviewed.", dir=doc_dir))
    final = doc_dir / "tables_reviewed"
    try:
        publish_dir(staging)
        for t in reviewed["tables"]:
            (staging / f"{t['id']}.csv").write_text(table_csv(t), encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_into_place(staging, final)
