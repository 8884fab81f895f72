"""A small typed document (a 支出决算表 with split 类/款/项 codes, a spanning header, an amount that fails its
款 check) written the way the pipeline writes it, with its records and checks computed by the real analysis
stage, and a drawn source page for the report's thumbnails."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from pipeline.config import PipelineConfig
from pipeline.document.analysis import refresh_records_and_checks
from pipeline.export import write_document
from pipeline.outputs import OutputOptions
from pipeline.plugin_manager import PluginManager

W, H = 900, 400
XS = [40, 120, 200, 280, 560, 760]
YS = [60, 110, 160, 210, 260, 310]
NAME = "demo-doc"
#: (row, col, rowspan, colspan, text, confidence)
CELLS = [
    (0, 0, 1, 3, "科目编码", 0.99), (0, 3, 2, 1, "科目名称", 0.99), (0, 4, 2, 1, "本年支出合计", 0.99),
    (1, 0, 1, 1, "类", 0.99), (1, 1, 1, 1, "款", 0.99), (1, 2, 1, 1, "项", 0.99),
    (2, 0, 1, 1, "201", 0.99), (2, 1, 1, 1, "", 0.99), (2, 2, 1, 1, "", 0.99),
    (2, 3, 1, 1, "一般公共服务支出", 0.99), (2, 4, 1, 1, "1,046.09", 0.99),
    (3, 0, 1, 1, "201", 0.99), (3, 1, 1, 1, "06", 0.99), (3, 2, 1, 1, "", 0.99),
    (3, 3, 1, 1, "财政事务", 0.99), (3, 4, 1, 1, "1,046.90", 0.62),
    (4, 0, 1, 1, "201", 0.99), (4, 1, 1, 1, "06", 0.99), (4, 2, 1, 1, "01", 0.99),
    (4, 3, 1, 1, "行政运行", 0.99), (4, 4, 1, 1, "1,046.09", 0.99),
]


def draw_page(path: Path) -> None:
    img = np.full((H, W), 255, np.uint8)
    for x in XS:
        cv2.line(img, (x, YS[0]), (x, YS[-1]), 0, 2)
    for y in YS:
        cv2.line(img, (XS[0], y), (XS[-1], y), 0, 2)
    cv2.imwrite(str(path), img)


def make_document(source: Path, threshold: float = 0.9) -> dict[str, Any]:
    cells = [{"row": r, "col": c, "rowspan": rs, "colspan": cs, "text": text, "confidence": conf,
              "needs_review": conf < threshold, "bbox": [XS[c], YS[r], XS[c + cs], YS[r + rs]]}
             for r, c, rs, cs, text, conf in CELLS]
    cells[15].update(flags=["stray-punctuation-removed"], suggestion="1,046.09")  # as fusion suggests
    table = {"id": "p001-t1", "page": 1, "bbox": [XS[0], YS[0], XS[-1], YS[-1]], "title": "支出决算表",
             "continued": False, "type": "final.expenditure", "type_confidence": 0.98, "n_rows": 5, "n_cols": 5,
             "structure_confidence": 1.0, "unit": "万元",
             "columns": {"0": "code_lei", "1": "code_kuan", "2": "code_xiang", "3": "name", "4": "total"},
             "labels": {"4": "本年支出合计"}, "cells": cells}
    doc = {"schema": "fiscalscan.document/1", "generator": {"name": "fiscalscan", "version": "0.1.0"},
           "source": {"path": str(source), "sha256": "0" * 64, "pages": 1}, "review_threshold": threshold,
           "pages": [{"page": 1, "width": W, "height": H, "dpi": 200, "rotation": 0, "skew": 0.0,
                      "text_layer": False, "status": "ok", "error": None, "source": "ocr", "tables": 1,
                      "seconds": 1.25}],
           "tables": [table]}
    return refresh_records_and_checks(doc, NAME, PluginManager(), PipelineConfig(review_threshold=threshold))


@pytest.fixture(scope="session")
def source_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("src") / "scan.png"
    draw_page(path)
    return path


@pytest.fixture
def document(source_page: Path) -> dict[str, Any]:
    return copy.deepcopy(_DOC_CACHE.setdefault("doc", make_document(source_page)))


_DOC_CACHE: dict[str, dict[str, Any]] = {}


@pytest.fixture
def written(tmp_path: Path, document: dict[str, Any]) -> Path:
    """OUT with the document written in every format (what `run --formats csv,xlsx,html,datapackage` writes)."""
    out = tmp_path / "out"
    write_document(out, NAME, document, outputs=OutputOptions(formats=("csv", "xlsx", "html", "datapackage")))
    from pipeline.outputs.index import write_index

    write_index(out)
    return out
