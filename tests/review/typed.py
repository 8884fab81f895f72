"""A typed table with a real grid (cell boxes on a drawn page) as the pipeline writes it, and the same table
with a spurious column: a scanner streak cut the 款 code column in two, so its codes fall on either side."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pipeline.config import PipelineConfig
from pipeline.document.analysis import analyse
from pipeline.document.codec import table_json
from pipeline.document.notes import TableNotes
from pipeline.document.recognise import recognise
from pipeline.model import BBox, Cell, Table
from pipeline.plugin_manager import PluginManager
from tests.fiscal.tables import EXPENDITURE_ROWS

X0, Y0, ROW_H = 40, 60, 40
RIGHT_WIDTHS = [60, 60, 60, 320, 130, 130, 130]
#: the 类 column (60 px) cut by a streak 24 px into it
STREAK_WIDTHS = [24, 36, 60, 60, 320, 130, 130, 130]
#: data rows whose 类 code lies right of the streak (the page is slightly skewed: the upper rows' codes)
RIGHT_OF_STREAK = {4, 5, 6, 7}


def streaked_rows(rows: Sequence[Sequence[str]], col: int = 0, right: set[int] = RIGHT_OF_STREAK
                  ) -> list[list[str]]:
    """``rows`` with column ``col`` cut in two by a false ruling: a cell spanning it spans one more, a cell
    spanning rows keeps its right half spanning too, texts of the rows in ``right`` land in the right half."""
    out = []
    for r, row in enumerate(rows):
        text = row[col]
        spans_on = col + 1 < len(row) and row[col + 1] == "<"
        if text == "<" or spans_on:
            a, b = text, "<"
        elif text == "^":
            a, b = "^", "^"
        elif r in right:
            a, b = "", text
        else:
            a, b = text, ""
        out.append([*row[:col], a, b, *row[col + 1:]])
    return out


def table_with_boxes(rows: Sequence[Sequence[str]], widths: Sequence[int], tid: str = "p001-t1",
                     title: str = "支出决算表") -> Table:
    xs = [X0]
    for w in widths:
        xs.append(xs[-1] + w)
    ys = [Y0 + ROW_H * i for i in range(len(rows) + 1)]
    cells = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text in ("<", "^"):
                continue
            cs = 1
            while c + cs < len(row) and row[c + cs] == "<":
                cs += 1
            rs = 1
            while r + rs < len(rows) and rows[r + rs][c] == "^":
                rs += 1
            cells.append(Cell(row=r, col=c, rowspan=rs, colspan=cs, text=text, confidence=0.99,
                              bbox=BBox(xs[c], ys[r], xs[c + cs], ys[r + rs])))
    return Table(id=tid, page=1, bbox=BBox(xs[0], ys[0], xs[-1], ys[-1]), n_rows=len(rows), n_cols=len(widths),
                 cells=tuple(cells), title=title, title_confidence=1.0, notes=TableNotes(unit="万元"))


def document_of(tables: list[Table], source: Path, pm: PluginManager) -> dict[str, Any]:
    """document.json as the pipeline writes it for these tables (typed, records, checks, fused confidence)."""
    config = PipelineConfig()
    typed = recognise(tables, pm.recognizers())
    a = analyse("doc", typed, pm.recognizers(), pm, config)
    return {"schema": "fiscalscan.document/1", "source": {"path": str(source), "sha256": "0" * 64, "pages": 1},
            "review_threshold": 0.9,
            "pages": [{"page": 1, "width": 1000, "height": 700, "dpi": 200, "rotation": 0, "skew": 0.0}],
            "tables": [table_json(t, config, a) for t in a.tables], "check_summary": a.summary(),
            "checks": [c.to_json() for c in a.checks]}


def draw_page(path: Path, table: Table) -> None:
    img = np.full((700, 1000), 255, np.uint8)
    for c in table.cells:
        x0, y0, x1, y1 = (int(v) for v in (c.bbox.x0, c.bbox.top, c.bbox.x1, c.bbox.bottom))
        cv2.rectangle(img, (x0, y0), (x1, y1), 0, 1)
    cv2.imwrite(str(path), img)


def write_streaked(out: Path, name: str, source: Path, pm: PluginManager) -> tuple[dict[str, Any], dict[str, Any]]:
    """``out/name/document.json`` holding the streaked table; returns (streaked, right-grid) documents."""
    streaked = table_with_boxes(streaked_rows(EXPENDITURE_ROWS), STREAK_WIDTHS)
    right = table_with_boxes(EXPENDITURE_ROWS, RIGHT_WIDTHS)
    draw_page(source, streaked)
    doc, good = document_of([streaked], source, pm), document_of([right], source, pm)
    (out / name).mkdir(parents=True, exist_ok=True)
    (out / name / "document.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return doc, good


#: record fields that must agree between a repaired table and the table read with the right grid
RECORD_KEYS = ("table", "part", "page", "subject_code", "level", "subject_name", "column", "label", "value",
               "status", "text", "unit", "row", "col")


def record_set(records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(r.get(k) for k in RECORD_KEYS) for r in records)
