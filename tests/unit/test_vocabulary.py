"""Vocabulary confirmation (pipeline/document/vocabulary.py): exact standard labels raised above the review threshold,
near-misses, amounts and doubted cells left as read."""

from __future__ import annotations

from pipeline.config import PipelineConfig
from pipeline.document.analysis import analyse
from pipeline.document.vocabulary import FLOOR, confirm_vocabulary, standard, term_of
from pipeline.model import BBox, Cell, Table

REVIEW = 0.9


def cell(text: str, conf: float = 0.6, flags: tuple[str, ...] = (), col: int = 0) -> Cell:
    return Cell(row=0, col=col, rowspan=1, colspan=1, text=text, confidence=conf, bbox=BBox(0, 0, 10, 10),
                flags=flags)


def table(*cells: Cell) -> Table:
    cells = tuple(Cell(row=i, col=c.col, rowspan=1, colspan=1, text=c.text, confidence=c.confidence,
                       bbox=BBox(0, 10 * i, 10, 10 * i + 10), flags=c.flags) for i, c in enumerate(cells))
    return Table(id="p001-t1", page=1, bbox=BBox(0, 0, 100, 100), n_rows=len(cells), n_cols=1, cells=cells)


def only(c: Cell) -> Cell:
    return confirm_vocabulary([table(c)])[0].cells[0]


def test_exact_terms_are_raised_above_the_review_threshold_and_keep_their_reading() -> None:
    for text in ("科目名称", "工资福利支出", "维修（护）费", "九、卫生健康支出", "（二）参照公务员法管理事业单位",
                 "1. 副部（省）级及以上领导用车", "一般公共服务支出", "社会保障 和就业支出"):
        out = only(cell(text, 0.55))
        assert out.confidence == FLOOR > REVIEW, text
        assert "vocabulary" in out.flags and out.ocr_confidence == 0.55 and out.text == text


def test_near_misses_amounts_and_short_words_stay_as_read() -> None:
    for text in ("科自名称", "行政率业单位医疗", "其他收入X", "七文化旅游体育与传媒支出", "大型修繕", "合计", "项目",
                 "1,234.50", "2010101", "社会效益"):  # 社会效益: a truncated reading of the term 社会效益指标
        out = only(cell(text, 0.55))
        assert out.confidence == 0.55 and "vocabulary" not in out.flags, text
    assert term_of("社会效益指标", standard()) == "社会效益指标"


def test_cells_doubted_by_structure_or_a_failing_check_are_never_raised() -> None:
    for flag in ("structure", "check:fail"):
        out = only(cell("工资福利支出", 0.5, (flag,)))
        assert out.confidence == 0.5 and "vocabulary" not in out.flags


def test_confident_cells_are_untouched() -> None:
    c = cell("工资福利支出", 0.99)
    assert only(c) == c


def test_the_document_stage_applies_it_after_fusion() -> None:
    t = table(cell("办公费", 0.6), cell("科自名称", 0.6))
    fused = analyse("doc", [t], [], None, PipelineConfig()).tables[0].cells
    assert fused[0].confidence == FLOOR and fused[1].confidence == 0.6
    unfused = analyse("doc", [t], [], None, PipelineConfig(), fusion=False).tables[0].cells
    assert unfused[0].confidence == 0.6


def test_review_refusion_keeps_labels_confirmed_and_drops_a_stale_flag() -> None:
    from pipeline.review.view import fuse_again

    cells = [{"row": 0, "col": 0, "text": "办公费", "confidence": 0.95, "ocr_confidence": 0.6, "bbox": [0, 0, 9, 9],
              "flags": ["vocabulary"]},
             {"row": 1, "col": 0, "text": "办公赞", "confidence": 0.95, "ocr_confidence": 0.6, "bbox": [0, 9, 9, 19],
              "flags": ["vocabulary"]}]  # a label read again differently after a grid edit
    doc = {"tables": [{"id": "p001-t1", "page": 1, "bbox": [0, 0, 9, 19], "n_rows": 2, "n_cols": 1,
                       "cells": cells}], "checks": []}
    fuse_again(doc, None)  # type: ignore[arg-type]
    ok, changed = doc["tables"][0]["cells"]
    assert ok["confidence"] == FLOOR and ok["flags"] == ["vocabulary"] and not ok["needs_review"]
    assert changed["confidence"] == 0.6 and changed["flags"] == [] and changed["needs_review"]
