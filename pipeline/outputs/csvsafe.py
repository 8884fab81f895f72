"""CSV that survives a double-click in Excel, and the plain CSV programs read.

Plain (default): UTF-8 without BOM, every value as printed; what pandas and the csv module expect.
``bom``: a UTF-8 byte order mark first, so Excel on a Chinese (or any non-UTF-8) Windows reads UTF-8 instead of
the local code page.  ``excel``: the BOM, plus every cell Excel would change on opening written as a text
formula (``="06"``): digit strings with a leading zero (split 款/项 codes ``06``, ``01``) and digit runs of 12
or more (long codes Excel shows as ``2.01E+11``); text starting with ``=``, ``+`` or ``@`` gets a leading ``'``
so that Excel never evaluates it.  ``header``: the table's title and unit as rows above the grid.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.csvtext import records_csv as plain
from pipeline.csvtext import table_grid_text

BOM = "\ufeff"
_DIGITS = re.compile(r"^\d+$")


def excel_cell(text: str) -> str:
    """``text`` as a CSV field that Excel opens unchanged."""
    if _DIGITS.match(text) and ((len(text) > 1 and text.startswith("0")) or len(text) >= 12):
        return f'="{text}"'
    if text[:1] in ("=", "+", "@"):
        return "'" + text
    return text


def write_rows(rows: Iterable[Sequence[str]], bom: bool = False, excel: bool = False) -> str:
    buf = io.StringIO()
    if bom or excel:
        buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n" if excel else "\n")
    for row in rows:
        writer.writerow([excel_cell(str(v)) for v in row] if excel else row)
    return buf.getvalue()


def header_rows(table: dict[str, Any]) -> list[list[str]]:
    """The title and unit rows of ``--csv-header``: always two rows (empty when not printed), so that a reader
    can skip a fixed number of lines."""
    unit = table.get("unit") or ""
    return [[table.get("title") or ""], [f"单位：{unit}" if unit else ""]]


def table_csv(table: dict[str, Any], bom: bool = False, excel: bool = False, header: bool = False) -> str:
    rows = [*header_rows(table), *table_grid_text(table)] if header else table_grid_text(table)
    return write_rows(rows, bom=bom, excel=excel)


def records_csv(document: dict[str, Any], name: str, bom: bool = False, excel: bool = False) -> str:
    text = plain(document, name)
    if not (bom or excel):
        return text
    return write_rows(csv.reader(io.StringIO(text)), bom=bom, excel=excel)
