"""document.json and CSV export, written atomically.

A document's output folder is assembled under a temporary name beside its final place and renamed into place
in one step, so a reader (or a batch resuming after a crash) never sees a half-written document.  Single
files are written to a temp file in the same folder and ``os.replace``d.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.fsmodes import publish_dir, publish_fd
from pipeline.model import Table

if TYPE_CHECKING:
    from pipeline.outputs import OutputOptions

SCHEMA = "fiscalscan.document/1"


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        publish_fd(fd)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def table_grid_text(table: dict[str, Any]) -> list[list[str]]:
    """The table as printed: a spanning cell's text sits at its top-left position, the other positions it
    covers are left blank."""
    grid = [["" for _ in range(table["n_cols"])] for _ in range(table["n_rows"])]
    for c in table["cells"]:
        grid[c["row"]][c["col"]] = c["text"]
    return grid


def table_csv(table: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(table_grid_text(table))
    return buf.getvalue()


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
        **table.extra,
    }


def records_csv(document: dict[str, Any], name: str) -> str:
    """Every table's ``records`` as one CSV (columns :data:`pipeline.records.RECORD_FIELDS`)."""
    from pipeline.records import RECORD_FIELDS

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=RECORD_FIELDS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for t in document["tables"]:
        for rec in t.get("records") or []:
            writer.writerow({**rec, "document": name, "table_type": t["type"],
                             "value": "" if rec.get("value") is None else rec["value"]})
    return buf.getvalue()


def write_document(out_root: Path, name: str, document: dict[str, Any], write_csv: bool = True,
                   outputs: OutputOptions | None = None, pm: Any = None) -> Path:
    """Write ``out_root/name/document.json``, ``records.csv`` and ``tables/<id>.csv`` (and the other formats of
    ``outputs``: pipeline/outputs/) atomically (whole folder swap)."""
    from pipeline.outputs import OutputOptions, write_formats
    from pipeline.outputs.csvsafe import records_csv as safe_records_csv
    from pipeline.outputs.csvsafe import table_csv as safe_table_csv

    opts = outputs or OutputOptions()
    out_root.mkdir(parents=True, exist_ok=True)
    final = out_root / name
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=out_root))
    try:
        publish_dir(staging)
        if write_csv and "csv" in opts.formats:
            (staging / "tables").mkdir()
            for t in document["tables"]:
                (staging / "tables" / f"{t['id']}.csv").write_text(
                    safe_table_csv(t, bom=opts.bom, excel=opts.csv_excel, header=opts.csv_header),
                    encoding="utf-8")
        if write_csv and opts.records_csv:
            (staging / "records.csv").write_text(safe_records_csv(document, name, bom=opts.bom,
                                                                  excel=opts.csv_excel), encoding="utf-8")
        (staging / "document.json").write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
        write_formats(staging, document, name, opts, pm=pm)
        _keep_foreign_files(final, staging, name)
        fsync_tree(staging)  # every file's data on disk before the folder is renamed in (and marked done)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_into_place(staging, final)
    return final


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (names created, renamed or removed in it) durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """fsync every file below ``root``, then every folder (deepest first), then ``root`` itself."""
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


def swap_into_place(staging: Path, final: Path) -> None:
    """Replace folder ``final`` by the fully written folder ``staging`` (same parent): the old one is moved
    aside, the new one renamed in, the old one removed.  On failure ``staging`` is removed."""
    old = None
    try:
        if final.exists():
            old = final.parent / f".{final.name}.old-{os.getpid()}"
            os.replace(final, old)
        os.replace(staging, final)
        fsync_dir(final.parent)  # the rename itself is durable before anyone records the folder as done
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _keep_foreign_files(final: Path, staging: Path, name: str) -> None:
    """Carry over files other tools keep in a document's folder (e.g. review state) across a re-run."""
    from pipeline.outputs import generated_names

    if not final.is_dir():
        return
    for entry in final.iterdir():
        if entry.name in generated_names(name) or (staging / entry.name).exists():
            continue
        if entry.is_dir():
            shutil.copytree(entry, staging / entry.name)
        else:
            shutil.copy2(entry, staging / entry.name)
