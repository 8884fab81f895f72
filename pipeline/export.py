"""document.json and CSV export, written atomically.

A document's output folder is assembled under a temporary name beside its final place and renamed into place
in one step, so a reader (or a batch resuming after a crash) never sees a half-written document.  Single
files are written to a temp file in the same folder and ``os.replace``d.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.document.codec import SCHEMA, table_to_json
from pipeline.files import fsync_dir, fsync_tree
from pipeline.fsmodes import publish_dir

if TYPE_CHECKING:
    from pipeline.outputs import OutputOptions

__all__ = ["SCHEMA", "swap_into_place", "table_to_json", "write_document"]  # SCHEMA, table_to_json: the codec's


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
