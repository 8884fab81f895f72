"""Born-digital pages: characters from the render plugin, the usability rule (check_text_layer), cells from
the text layer on the image pipeline's grid, mixed documents, hidden and garbage layers, --force-ocr.

The PDFs are written by pdfium itself (``tests/born_digital.py``) from the project's own figures, so the
samples' truth.json is their truth."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.interfaces import LineRecognition, OcrEngine
from pipeline.model import BBox, Grid, PageChar, PageImage, TextLayerCheck, TextLine
from pipeline.plugin_manager import PluginManager
from pipeline.runner import process_document
from plugins.render import pdfium
from plugins.textlayer import pdf_chars
from samples import make_samples as gen
from tests import born_digital as bd
from tests.conftest import SAMPLES

TRUTH = json.loads((SAMPLES / "demo-final-2024" / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def font() -> str:
    path = gen.find_cjk_font()
    if path is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei, or set FISCALSCAN_CJK_FONT)")
    return str(path)


@pytest.fixture(scope="session")
def twin(font: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """demo-final-2024 as a born-digital PDF: prose page, table page, continuation page."""
    w = bd.PdfWriter(font)
    bd.final_document(w)
    return w.save(tmp_path_factory.mktemp("pdf") / "final.pdf")


@pytest.fixture(scope="session")
def odd_pages(font: str, twin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pages whose text layer must not be used, each an image of the twin's table page with:
    1. a hidden (render mode 3) OCR layer of garbage, 2. a visible layer of wrong text under the image,
    3. visible header characters only; and 4. the table page with its text layer rotated by /Rotate 90."""
    table, _ = bd.final_specs()
    scan = bd.render_gray(twin, 1, 150)
    rng = random.Random(7)
    garbage = {(c.row, c.col): "".join(rng.choice("甲乙丙丁戊己庚辛壬癸") for _ in c.text) for c in table.cells
               if c.text}
    w = bd.PdfWriter(font)
    for kind in range(3):
        w.page()
        if kind in (0, 1):
            bd.typeset_table(w, kind, table, bd.A4[1] - 40 * bd.MM, caption=True, texts=garbage,
                             mode=3 if kind == 0 else 0)
        w.image(kind, scan, 0, 0, *bd.A4)
        if kind == 2:
            w.text(kind, table.title, 250, bd.A4[1] - 30 * bd.MM, 14)
    w.page(rotate=90)
    bd.typeset_table(w, 3, table, bd.A4[1] - 40 * bd.MM, caption=True)
    return w.save(tmp_path_factory.mktemp("pdf") / "odd.pdf")


def render(path: Path, number: int, config: PipelineConfig) -> PageImage:
    with pdfium.open_document(path=str(path), config=config) as src:
        return src.render(number)


def ink_under(page: PageImage, box: BBox) -> bool:
    crop = page.gray[max(0, int(box.top)): int(box.bottom) + 1, max(0, int(box.x0)): int(box.x1) + 1]
    return bool((crop < 128).any())


def truth_cells(table: dict) -> list[tuple[int, int, int, int, str]]:
    return sorted((c["row"], c["col"], c["rowspan"], c["colspan"], c["text"]) for c in table["cells"])


# --------------------------------------------------------------------------- characters from the render plugin


@pytest.mark.parametrize("number", [2, 4])
def test_render_gives_characters_on_their_glyphs(twin: Path, odd_pages: Path, config, number: int) -> None:  # type: ignore[no-untyped-def]
    """Character boxes land on the rendered glyphs, also on a /Rotate 90 page (pdfium's own mapping)."""
    page = render(twin if number == 2 else odd_pages, number, config)
    shown = [c for c in page.chars if c.visible and not c.text.isspace()]
    assert page.text_layer and len(shown) > 300
    assert "".join(c.text for c in shown).startswith("支出决算表")
    assert sum(ink_under(page, c.bbox) for c in shown) == len(shown)
    expected_angle = 0.0 if number == 2 else 270.0  # /Rotate 90 turns the page clockwise: text runs down
    assert {round(c.angle) % 360 for c in shown} == {expected_angle}


def test_image_only_pdf_has_no_characters(config) -> None:  # type: ignore[no-untyped-def]
    page = render(SAMPLES / "demo-final-2024" / "scan.pdf", 2, config)
    assert page.chars == () and page.text_layer is False


# --------------------------------------------------------------------------- the usability rule


def test_hook_check_text_layer(twin: Path, odd_pages: Path, engine, config) -> None:  # type: ignore[no-untyped-def]
    good = pdf_chars.check_text_layer(page=render(twin, 2, config), engine=engine, config=config)
    assert good is not None and good.usable and good.rotation == 0
    assert good.confidence == 1.0 and len(good.sampled) >= 16 and not good.disputed
    rotated = pdf_chars.check_text_layer(page=render(odd_pages, 4, config), engine=engine, config=config)
    assert rotated.usable and rotated.rotation == 90
    reasons = [pdf_chars.check_text_layer(page=render(odd_pages, n, config), engine=engine, config=config)
               for n in (1, 2, 3)]
    assert [r.usable for r in reasons] == [False, False, False]
    assert "visible characters" in reasons[0].reason  # hidden OCR layer (render mode 3)
    assert "OCR agrees on" in reasons[1].reason and reasons[1].confidence < pdf_chars.MIN_AGREEMENT  # garbage
    assert "cover" in reasons[2].reason  # a few header characters on an image page


def test_layer_that_draws_nothing_is_not_usable(twin: Path, engine, config) -> None:  # type: ignore[no-untyped-def]
    page = render(twin, 2, config)
    blank = PageImage(source="x", page_number=1, gray=np.full_like(page.gray, 255), dpi=page.dpi,
                      text_layer=True, chars=page.chars)
    check = pdf_chars.assess(blank, engine)
    assert not check.usable and "draw nothing" in check.reason


def test_unmapped_glyphs_are_not_usable(twin: Path, engine, config) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    page = render(twin, 2, config)
    broken = replace(page, chars=tuple(replace(c, mapped=i % 10 != 0) for i, c in enumerate(page.chars)))
    check = pdf_chars.assess(broken, engine)
    assert not check.usable and "Unicode" in check.reason


def test_similarity_folds_lookalikes() -> None:
    assert pdf_chars.similarity("。。。", "ooo") == 1.0
    assert pdf_chars.similarity("11", "Ⅱ") == 1.0  # NFKC: Ⅱ -> II -> 11
    assert pdf_chars.similarity("合计 1,234.56", "合计1，234.56") == 1.0
    assert pdf_chars.similarity("甲乙丙", "项目名") == 0.0


# --------------------------------------------------------------------------- cells from characters


class _CountingEngine(OcrEngine):
    """Wraps the real engine and counts the crops it is given."""

    name = "ppocr-onnx"

    def __init__(self, inner: OcrEngine) -> None:
        self.inner, self.crops = inner, 0

    def recognize_lines(self, crops):  # type: ignore[no-untyped-def]
        self.crops += len(crops)
        return self.inner.recognize_lines(crops)

    def detect_and_recognize(self, image: np.ndarray) -> list[TextLine]:
        self.crops += 1
        return self.inner.detect_and_recognize(image)


def _run(path: Path, out: Path, config: PipelineConfig, engine: OcrEngine) -> tuple[dict, _CountingEngine]:
    counting = _CountingEngine(engine)

    class Engine:
        @hookimpl
        def get_ocr_engine(self) -> OcrEngine:
            return counting

    s = process_document(path, out, config, pm=PluginManager(entrypoints=False, extra=[Engine()]))
    assert s.status == "ok", s.error
    return json.loads((Path(s.out_dir) / "document.json").read_text(encoding="utf-8")), counting


@pytest.mark.slow
def test_born_digital_document_is_read_from_its_text_layer(twin: Path, tmp_path: Path, engine, config) -> None:  # type: ignore[no-untyped-def]
    doc, counting = _run(twin, tmp_path, config, engine)
    assert [(p["source"], p["text_layer"], p["rotation"], p["skew"]) for p in doc["pages"]] == \
        [("text_layer", True, 0, 0.0)] * 3
    assert [(t["id"], t["title"], t["continued"]) for t in doc["tables"]] == \
        [("p002-t1", "支出决算表", False), ("p003-t1", "", True)]
    for got, want in zip(doc["tables"], TRUTH["tables"], strict=True):
        assert truth_cells(got) == truth_cells(want)
        assert all(c["confidence"] >= 0.95 and not c["needs_review"] for c in got["cells"])
    # the OCR engine read only the samples that check each page, no cell
    assert counting.crops <= 3 * (pdf_chars.SAMPLE_SIZE + pdf_chars.MAX_DIGIT_RUNS)


@pytest.mark.slow
def test_force_ocr_reads_the_same_pdf_by_ocr(twin: Path, tmp_path: Path, engine, config) -> None:  # type: ignore[no-untyped-def]
    doc, counting = _run(twin, tmp_path, config.model_copy(update={"force_ocr": True}), engine)
    assert [p["source"] for p in doc["pages"]] == ["ocr"] * 3
    assert [p["text_layer"] for p in doc["pages"]] == [True] * 3
    filled = sum(1 for t in doc["tables"] for c in t["cells"] if c["text"])
    assert filled > 150 and counting.crops >= filled  # every cell with text was recognised
    assert [t["id"] for t in doc["tables"]] == ["p002-t1", "p003-t1"]


@pytest.mark.slow
def test_mixed_document(font: str, twin: Path, tmp_path: Path, engine, config) -> None:  # type: ignore[no-untyped-def]
    """Page 1 born-digital, page 2 a scan of the continuation with a hidden garbage OCR layer: each page goes
    its own way and the continuation is still recognised as one."""
    table, continued = bd.final_specs()
    w = bd.PdfWriter(font)
    w.page()
    bd.typeset_table(w, 0, table, bd.A4[1] - 40 * bd.MM, caption=True)
    w.page()
    bd.typeset_table(w, 1, continued, bd.A4[1] - 20 * bd.MM, caption=False,
                     texts={(c.row, c.col): "乱码" for c in continued.cells if c.text}, mode=3)
    w.image(1, bd.render_gray(twin, 2, 200), 0, 0, *bd.A4)
    mixed = w.save(tmp_path / "mixed.pdf")
    doc, _ = _run(mixed, tmp_path / "out", config, engine)
    assert [(p["source"], p["text_layer"]) for p in doc["pages"]] == [("text_layer", True), ("ocr", False)]
    assert [(t["page"], t["title"], t["continued"]) for t in doc["tables"]] == [(1, "支出决算表", False),
                                                                                (2, "", True)]
    for got, want in zip(doc["tables"], TRUTH["tables"], strict=True):
        assert truth_cells(got) == truth_cells(want)


def _page_with(chars: list[PageChar], check: TextLayerCheck) -> PageImage:
    gray = np.full((200, 400), 255, np.uint8)
    for c in chars:
        gray[int(c.bbox.top) + 3: int(c.bbox.bottom) - 3, int(c.bbox.x0) + 2: int(c.bbox.x1) - 2] = 0
    for x in (10, 200, 390):
        gray[10:190, x] = 0
    for y in (10, 100, 190):
        gray[y, 10:391] = 0
    return PageImage(source="x", page_number=1, gray=gray, dpi=200, text_layer=True, chars=tuple(chars),
                     text_check=check)


def _grid() -> Grid:
    return Grid(bbox=BBox(10, 10, 390, 190), row_edges=(10.0, 100.0, 190.0), col_edges=(10.0, 200.0, 390.0),
                spans=((0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)))


def test_cells_from_characters_carry_the_layers_certainty(engine) -> None:  # type: ignore[no-untyped-def]
    """Two lines of one cell join without a space; a blank between words is kept; a cell holding a run the
    OCR sample read differently, or an unmapped glyph, is not confident; an empty cell with no ink is."""
    boxes = {"合": (30, 30, 50, 52), "计": (50, 30, 70, 52), "总": (30, 60, 50, 82),
             "A": (220, 30, 232, 52), " ": (232, 30, 238, 52), "B": (238, 30, 250, 52),
             "9": (30, 120, 42, 142)}
    chars = [PageChar(text=t, bbox=BBox(*b), mapped=t != "9") for t, b in boxes.items()]
    check = TextLayerCheck(usable=True, reason="", confidence=1.0, disputed=frozenset({3}))
    cells = pdf_chars.read_cells_from_chars(_page_with(chars, check), _grid(), engine)
    got = {(c.row, c.col): (c.text, c.confidence, c.flags) for c in cells}
    assert got[(0, 0)] == ("合计总", pdf_chars.TEXT_CONFIDENCE, ())
    assert got[(0, 1)] == ("A B", pdf_chars.DISPUTED_CONFIDENCE, ("ocr-disagrees",))
    assert got[(1, 0)] == ("9", pdf_chars.UNMAPPED_CONFIDENCE, ("text-layer-unmapped",))
    assert got[(1, 1)] == ("", 1.0, ())
    one_odd = TextLayerCheck(usable=True, reason="", confidence=7 / 8)
    cells = pdf_chars.read_cells_from_chars(_page_with(chars[:3], one_odd), _grid(), engine)
    assert 0.9 < cells[0].confidence < pdf_chars.TEXT_CONFIDENCE


def test_ink_without_characters_is_read_by_ocr(twin: Path, engine, config) -> None:  # type: ignore[no-untyped-def]
    """A cell whose text the layer lacks (drawn as an image, outlined glyphs) is OCR'd, never confidently
    empty."""
    page = render(twin, 2, config)
    grid = PluginManager(entrypoints=False).detect_grids(page=page, config=config)[0]
    r, c, rs, cs = next((c["row"], c["col"], c["rowspan"], c["colspan"]) for c in TRUTH["tables"][0]["cells"]
                        if c["text"] == "合计")
    box = grid.cell_bbox(r, c, rs, cs)
    gone = {i for i, ch in enumerate(page.chars) if box.x0 < (ch.bbox.x0 + ch.bbox.x1) / 2 < box.x1
            and box.top < (ch.bbox.top + ch.bbox.bottom) / 2 < box.bottom}
    assert len(gone) == 2
    from dataclasses import replace

    check = TextLayerCheck(usable=True, reason="", confidence=1.0)
    page = replace(page, chars=tuple(c for i, c in enumerate(page.chars) if i not in gone), text_check=check)
    cells = {(cell.row, cell.col): cell for cell in pdf_chars.read_cells_from_chars(page, grid, engine)}
    assert cells[(r, c)].text == "合计" and "text-layer-missing" in cells[(r, c)].flags
    assert cells[(r, c)].confidence > 0.5  # read by OCR, with the OCR path's confidence


def test_sideways_cell_text_reads_in_its_own_direction() -> None:
    """A header set sideways (text running up the page) is read bottom to top, a second column after it."""
    up = [PageChar(text=t, bbox=BBox(50, 150 - 20 * k, 70, 170 - 20 * k), angle=90.0) for k, t in enumerate("项目")]
    up += [PageChar(text=t, bbox=BBox(72, 150 - 20 * k, 92, 170 - 20 * k), angle=90.0) for k, t in enumerate("名称")]
    page = _page_with(up, TextLayerCheck(usable=True, reason="", confidence=1.0))
    assert pdf_chars.cell_text(page, range(4)) == "项目名称"


def test_page_confidence_steps() -> None:
    assert pdf_chars.page_confidence(1.0) == pdf_chars.TEXT_CONFIDENCE
    assert pdf_chars.page_confidence(7 / 8) > 0.9 > pdf_chars.page_confidence(6 / 8)


class _NoEngine(OcrEngine):
    def recognize_lines(self, crops):  # type: ignore[no-untyped-def]
        return [LineRecognition("", 0.0) for _ in crops]

    def detect_and_recognize(self, image: np.ndarray) -> list[TextLine]:
        return []


def test_build_table_leaves_ocr_pages_to_the_ocr_path(config) -> None:  # type: ignore[no-untyped-def]
    page = _page_with([], TextLayerCheck(usable=False, reason="x"))
    assert pdf_chars.build_table(page=page, grid=_grid(), engine=_NoEngine(), table_id="p001-t1",
                                 upper_bound=0.0, config=config) is None


@pytest.mark.slow
def test_cli_force_ocr_flag(font: str, tmp_path: Path) -> None:
    """`fiscalscan run` reads a born-digital page from its text layer, and by OCR with --force-ocr."""
    from pipeline.cli import main

    _, continued = bd.final_specs()
    w = bd.PdfWriter(font)
    w.page()
    bd.typeset_table(w, 0, continued, bd.A4[1] - 20 * bd.MM, caption=False)
    pdf = w.save(tmp_path / "one.pdf")
    sources = {}
    for flags in ([], ["--force-ocr"]):
        out = tmp_path / ("ocr" if flags else "text")
        assert main(["run", str(pdf), "--out", str(out), "-q", *flags]) == 0
        doc = json.loads((out / "one" / "document.json").read_text(encoding="utf-8"))
        sources[bool(flags)] = doc["pages"][0]["source"]
        assert truth_cells(doc["tables"][0]) == truth_cells(TRUTH["tables"][1])
    assert sources == {False: "text_layer", True: "ocr"}


def test_batch_accepts_force_ocr() -> None:
    import argparse

    from pipeline import batch
    from pipeline.cli import config_from_args

    sub = argparse.ArgumentParser().add_subparsers()
    batch.add_parser(sub)
    args = sub.choices["batch"].parse_args(["in", "--out", "o", "--force-ocr"])
    assert config_from_args(args).force_ocr is True
