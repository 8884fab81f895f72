"""Caption blocks of the generalisation probe (``samples/make_variants.py``) through the real OCR path: a title
wrapped over two lines is read whole; a code line above the title and a 部门/单位 meta line below it give title,
code and unit; a light serif "单位：元" beside a bold title at 150 and 200 dpi keeps its "：元" (each caption line band
is binarised against its own contrast too, not only against the level the bold title sets)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipeline.config import PipelineConfig
from pipeline.model import PageImage
from pipeline.plugin_manager import PluginManager
from pipeline.runner import process_page

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "samples"))
import make_samples as ms
import make_variants as mv

CASES = {  # family, layout, dpi, typeface, unit
    "two-line": ("b-gp-expend", "two-line", 200, "sans", "万元"),
    "table-no-meta-above": ("f-income", "meta-above", 150, "sans", "元"),
    "serif-unit-150": ("b-fiscal-summary", "coded", 150, "serif", "元"),
    "serif-unit-200": ("b-fiscal-summary", "coded", 200, "serif", "元"),
}


@pytest.fixture(scope="module")
def engine_pm():
    pm = PluginManager()
    return pm, pm.get_ocr_engine(config=PipelineConfig())


@pytest.mark.parametrize("name", sorted(CASES))
def test_caption_of_a_probe_page(engine_pm, name):
    key, layout, dpi, face, unit = CASES[name]
    font = mv.font_path(face)
    if font is None:
        pytest.skip(f"no {face} CJK font installed")
    family = next(f for f in mv.FAMILIES if f.key == key)
    v = mv.Variant(family, layout, dpi, face, unit, 4)
    spec = mv.family_table(family, 7, 100 if unit == "元" else 1)
    params = ms.ScanParams(dpi, 0.3, 0.84, 0.95, 0.12, 0.6 * dpi / 200, 3.0, 6, 55, 1, 11)
    gray = ms.jpeg_roundtrip(ms.simulate_scan(mv.render(v, spec, font), params), params.jpeg_quality)
    pm, engine = engine_pm
    result = process_page(pm, PageImage(source=f"{name}.png", page_number=1, gray=gray, dpi=dpi), engine,
                          PipelineConfig())
    (table,) = result.tables
    assert (table.title, table.notes.table_code or "", table.notes.unit) == (
        v.printed_title, v.code, unit)
