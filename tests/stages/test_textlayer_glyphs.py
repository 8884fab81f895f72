"""A text layer with one wrong glyph mapping (issue 11, case 12): a ToUnicode map sending "7" to "1" must not
leave wrong cells confident.  Digits are sampled densely, a digit the OCR reads as another one makes every
cell holding it suspect (and arithmetic cannot confirm such a cell), and failing checks on a text-layer page
cast doubt on its numbers."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.config import PipelineConfig
from pipeline.document.analysis import analyse
from pipeline.document.checks.engine import CheckResult, Term
from pipeline.document.continuations import mark_continuations
from pipeline.document.notes import TableNotes
from pipeline.document.recognise import recognise
from pipeline.model import BBox, Cell, PageChar, Table
from pipeline.plugin_manager import PluginManager
from pipeline.runner import process_page
from plugins.render import pdfium
from plugins.textlayer import pdf_chars
from samples import make_samples as gen
from tests import born_digital as bd


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    font = gen.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei, or set FISCALSCAN_CJK_FONT)")
    w = bd.PdfWriter(str(font))
    bd.final_document(w)
    return w.save(tmp_path_factory.mktemp("pdf") / "final.pdf")


def analysed(pdf: Path, pm: PluginManager, engine, config: PipelineConfig, good: str = "", bad: str = ""):  # type: ignore[no-untyped-def]
    """The document's tables after checks and fusion, its layer mapping ``good`` to ``bad`` when given."""
    pages = []
    with pdfium.open_document(path=str(pdf), config=config) as src:
        for number in range(1, src.n_pages + 1):
            page = src.render(number)
            if good:
                page = replace(page, chars=tuple(replace(c, text=c.text.replace(good, bad)) for c in page.chars))
            pages.append(process_page(pm, page, engine, config))
    pages = mark_continuations(pages)
    recs = pm.recognizers()
    return pages, analyse("doc", recognise([t for p in pages for t in p.tables], recs), recs, pm, config)


def test_wrong_glyph_mapping_leaves_no_wrong_cell_confident(twin: Path, pm, engine, config) -> None:  # type: ignore[no-untyped-def]
    _, clean = analysed(twin, pm, engine, config)
    truth = {(t.id, c.row, c.col): c.text for t in clean.tables for c in t.cells}
    assert not [c for t in clean.tables for c in t.cells if c.confidence < config.review_threshold]
    pages, bad = analysed(twin, pm, engine, config, good="7", bad="1")
    assert all(p.source == "text_layer" for p in pages)  # the layer is still used: its text is mostly right
    wrong = [c for t in bad.tables for c in t.cells if c.text != truth[(t.id, c.row, c.col)]]
    assert len(wrong) >= 10
    assert all(c.confidence < config.review_threshold for c in wrong), [
        (c.row, c.col, c.text, c.confidence, c.flags) for c in wrong if c.confidence >= config.review_threshold]
    assert any("text-layer-glyph" in c.flags for c in wrong)


def test_every_digit_is_sampled_twice() -> None:
    lines = ["项目名称", "1,234.56", "2,000.00", "7.89", "合计", "3,450.01", "8.70", "9.10"]
    chars: list[PageChar] = []
    for line, text in enumerate(lines):
        chars += [PageChar(text=t, bbox=BBox(20 + 12 * k, 30 * line, 30 + 12 * k, 30 * line + 20))
                  for k, t in enumerate(text)]
    plain = pdf_chars.sample_runs(chars, range(len(chars)), k=2)  # the plain sample alone: 1 digit run
    runs = plain + pdf_chars.digit_cover(chars, pdf_chars.text_runs(chars, range(len(chars))), plain)
    for d in {ch.text for ch in chars if ch.text.isdigit()}:
        sampled = sum(any(chars[i].text == d for i in r.indices) for r in runs)
        assert sampled >= min(pdf_chars.DIGIT_SAMPLES, sum(d in text for text in lines)), d
    assert all(len(r.indices) <= pdf_chars.SAMPLE_CHARS for r in runs)


def test_substituted_digits() -> None:
    assert pdf_chars.substituted_digits("1,131.18", "1,137.18") == {"1"}
    assert pdf_chars.substituted_digits("合计1", "合计7") == {"1"}
    assert pdf_chars.substituted_digits("120", "l20") == set()  # a look-alike letter is no disagreement
    assert pdf_chars.substituted_digits("1,234", "1234") == set()  # a dropped separator is no glyph error
    assert pdf_chars.substituted_digits("项目", "顶目") == set()


def test_cells_holding_a_suspect_glyph_are_not_confirmed_by_checks() -> None:
    from pipeline.document.fusion import LAYER_DOUBT, fuse

    box = BBox(0, 0, 1, 1)
    low = pdf_chars.SUSPECT_GLYPH_CONFIDENCE
    cells = (Cell(row=0, col=0, rowspan=1, colspan=1, text="11", confidence=low, bbox=box,
                  flags=("text-layer-glyph",)),
             Cell(row=1, col=0, rowspan=1, colspan=1, text="10", confidence=0.97, bbox=box),
             Cell(row=2, col=0, rowspan=1, colspan=1, text="1", confidence=low, bbox=box,
                  flags=("text-layer-glyph",)),
             Cell(row=3, col=0, rowspan=1, colspan=1, text="5", confidence=0.97, bbox=box))
    table = Table(id="p001-t1", page=1, bbox=box, n_rows=4, n_cols=1, cells=cells,
                  notes=TableNotes(text_source="text_layer"))

    def term(r: int, v: str) -> Term:
        return Term(ref=("p001-t1", r, 0), sign=1, value=Decimal(v), text=v, decimals=0, confidence=0.9)

    passing = CheckResult(rule="sum", table="p001-t1", total=term(0, "11"), parts=(term(1, "10"), term(2, "1")),
                          expected=Decimal(11), found=Decimal(11), difference=Decimal(0), status="pass")
    (fused,) = fuse([table], [passing])
    got = {c.row: c for c in fused.cells}
    assert got[0].confidence == pdf_chars.SUSPECT_GLYPH_CONFIDENCE  # not raised by the passing sum
    assert got[1].confidence > 0.99  # a cell without the glyph is confirmed as usual
    failing = replace(passing, found=Decimal(12), difference=Decimal(1), status="fail")
    (fused,) = fuse([table], [failing])
    got = {c.row: c for c in fused.cells}
    assert got[3].confidence == LAYER_DOUBT and "text-layer-doubt" in got[3].flags  # not in the check
    ocr = replace(table, notes=TableNotes())
    (fused,) = fuse([ocr], [failing])
    assert {c.row: c for c in fused.cells}[3].confidence == 0.97  # OCR pages: no layer to doubt

