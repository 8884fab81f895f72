"""Layouts of other provinces, scanned at 150 dpi (``samples/make_samples.py``'s layout variants), through the
real OCR path: the caption block (part heading, title, 公开NN表 code line, 部门名称/年度/金额单位 meta line; a coded
title on a landscape page) gives title, table_code and unit; the table is typed from what it is, an untyped one
stays ``generic`` with its own title; and the cells of a 150-dpi scan are read as well as a 200-dpi one's."""

from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.document.recognise import recognise
from pipeline.model import PageImage
from pipeline.plugin_manager import PluginManager
from pipeline.runner import process_page
from samples import make_samples as gen

EXPECTED_TYPES = {"meta": "final.expenditure", "coded-landscape": "budget.fiscal_summary", "untyped": "generic"}


@pytest.fixture(scope="module")
def read_variants():
    font = gen.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font (apt-get install fonts-wqy-zenhei)")
    pm = PluginManager()
    config = PipelineConfig()
    engine = pm.get_ocr_engine(config=config)
    out = {}
    for v in gen.variant_pages(str(font)):
        page = PageImage(source=f"{v.name}.png", page_number=1, gray=v.gray, dpi=gen.VARIANT_SCAN.dpi)
        result = process_page(pm, page, engine, config)
        assert len(result.tables) == 1, v.name
        out[v.name] = (v, recognise(list(result.tables), pm.recognizers())[0])
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED_TYPES))
def test_caption_block_gives_title_code_and_unit(read_variants, name):
    variant, table = read_variants[name]
    assert table.title == variant.spec.title
    assert table.notes.table_code == variant.code
    assert table.notes.unit == variant.unit


@pytest.mark.parametrize("name", sorted(EXPECTED_TYPES))
def test_type_from_what_the_table_is(read_variants, name):
    _variant, table = read_variants[name]
    assert table.type == EXPECTED_TYPES[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_TYPES))
def test_150_dpi_cells_read_like_200_dpi(read_variants, name):
    variant, table = read_variants[name]
    truth = {(c["row"], c["col"]): c["text"] for c in gen.table_truth(variant.spec)["cells"]}
    assert (table.n_rows, table.n_cols) == (variant.spec.n_rows, variant.spec.n_cols)
    read = {(c.row, c.col): c.text.replace(" ", "") for c in table.cells}
    filled = [pos for pos, text in truth.items() if text]
    right = sum(read.get(pos) == truth[pos].replace(" ", "") for pos in filled)
    assert right / len(filled) >= 0.97, [(p, truth[p], read.get(p)) for p in filled if read.get(p) != truth[p]]
