"""The plain CSV forms of document.json: a table's grid as printed and every table's records (UTF-8, no BOM;
the Excel-safe variants are :mod:`pipeline.outputs.csvsafe`)."""

from __future__ import annotations

import csv
import io
from typing import Any


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


def records_csv(document: dict[str, Any], name: str) -> str:
    """Every table's ``records`` as one CSV (columns :data:`pipeline.document.records.RECORD_FIELDS`)."""
    from pipeline.document.records import RECORD_FIELDS

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=RECORD_FIELDS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for t in document["tables"]:
        for rec in t.get("records") or []:
            writer.writerow({**rec, "document": name, "table_type": t["type"],
                             "value": "" if rec.get("value") is None else rec["value"]})
    return buf.getvalue()
