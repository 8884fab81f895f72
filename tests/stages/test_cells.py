"""Cell reading on known grids: crops, line splitting, text clean-up, confidence."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.model import BBox, PageImage
from plugins.cells import caption, ink
from plugins.cells import reconstruct as rc
from plugins.grid import lattice
from tests import synth


@pytest.mark.parametrize(("raw", "clean"), [
    ("2,112.86.", "2,112.86"), (".0.01", "0.01"), ("卫生.健康支出", "卫生健康支出"), ("303.", "303"),
    ("1. 一般公共预算资金", "1. 一般公共预算资金"),
    ("1.046.09", "1,046.09"), ("12.345.678.90", "12,345,678.90"), ("0.94", "0.94"), ("——", "——"),
    ("十四.资源勘探工业信息支出", "十四.资源勘探工业信息支出"),  # a blurred 、 after an ordinal: normalise's to restore
    ("一.般公共服务", "一般公共服务"),  # one numeral may begin a word: a speck
])
def test_clean_text(raw: str, clean: str) -> None:
    assert rc.clean_text(raw)[0] == clean


@pytest.mark.parametrize(("text", "low"), [
    ("2,106.66", False), ("156,211,123", False), ("201", False), ("一般公共服务支出", False),
    ("2,112.86.", True), ("|基本工资", True), ("08机关事业单位", True), ("749.7650.09", True),
    ("≥0.56", False), ("≤95%", False), (">90", False), ("≥0.5;6", True), ("9721;800", True),
])
def test_plausibility_flags_suspect_shapes(text: str, low: bool) -> None:
    assert (rc.plausibility(text) < 1.0) == low


def test_a_dot_after_a_long_ordinal_becomes_its_pause() -> None:
    """clean_text and normalise in the reader's order: 十四.资源… keeps its 、 (it lost it before)."""
    from plugins.cells.normalise import normalise_cell_text

    assert normalise_cell_text(rc.clean_text("十四.资源勘探工业信息支出")[0]) == "十四、资源勘探工业信息支出"


def test_join_lines() -> None:
    assert rc.join_lines(["机关事业单位基本养老保险", "缴费支出"]) == "机关事业单位基本养老保险缴费支出"
    assert rc.join_lines(["Total", "amount"]) == "Total amount"


def test_split_lines_two_lines_and_dust() -> None:
    mask = np.zeros((90, 200), bool)
    mask[10:38, 10:180] = True
    mask[50:78, 10:120] = True
    assert ink.split_lines(mask, 200) == [(10, 38), (50, 78)]


def test_two_lines_bridged_by_a_hair_are_two_lines() -> None:
    """At 150 dpi the gap between a cell's lines is a few pixels; a hair or speck crossing it joined the two lines
    into one band, read as one line (one of them lost)."""
    e = ink.em(200)  # 29 px
    mask = np.zeros((70, 300), bool)
    mask[3:27, 10:290:6] = True  # line 1: strokes
    mask[36:60, 10:100:6] = True  # line 2
    mask[20:45, 150] = True  # a hair across the gap
    assert ink.split_lines(mask, 200) == [(3, 60)]
    assert ink.split_bridged(mask, [(3, 60)], 200) == [(3, 27), (36, 60)]
    # through the cell reader's line crops: two crops
    crop = np.where(mask, 40, 230).astype(np.uint8)
    pc = rc.PreparedCell(BBox(0, 0, 300, 70), crop, mask, 0, 0, 0)
    crops, tall = rc.line_crops([pc], 200)
    assert len(crops) == 2 and not tall
    # one line with a speck or a hair end under it (less than half a line) stays one line
    one = np.zeros((70, 300), bool)
    one[3:27, 10:290:6] = True
    one[27:52, 150] = True
    one[52:56, 146:155] = True
    bands = ink.split_lines(one, 200)
    assert bands == [(3, 56)] and ink.split_bridged(one, bands, 200) == bands
    # a tall glyph (a large character, no empty rows) is never cut
    big = np.zeros((70, 300), bool)
    big[3:3 + int(1.8 * e), 10:60] = True
    assert ink.split_bridged(big, ink.split_lines(big, 200), 200) == [(3, 3 + int(1.8 * e))]


def test_caption_bands_ignore_a_dark_page_edge() -> None:
    """A scan's dark edge beside the caption must not join the title and the unit line into one band."""
    from pipeline.model import BBox

    gray = np.full((400, 1200), 235, np.uint8)
    gray[:, 10:60] = 90  # page edge / binding shadow, full height
    gray[100:130, 500:700] = 20  # title
    gray[180:205, 950:1100] = 20  # 单位：万元
    bands = caption.caption_bands(gray, BBox(0, 0, 1200, 400), 200)
    assert [(y0, y1) for _x0, y0, _x1, y1 in bands] == [(180, 205), (100, 130)]
    assert all(x0 > 60 for x0, *_ in bands)


def test_caption_bands_keep_a_light_unit_beside_a_bold_title() -> None:
    """A light, thin "单位：元" on the title's line band keeps its light part: each band is binarised against its
    own contrast too, not only against the ink level the bold title sets for the whole region."""
    from pipeline.model import BBox

    gray = np.full((400, 1200), 230, np.uint8)
    gray[100:130, 400:700] = 10  # bold title
    gray[180:205, 900:960] = 120  # "单位" (dark enough for the title's level)
    for x in range(990, 1040, 12):  # "：元" in light strokes
        gray[186:199, x:x + 6] = 160
    bands = caption.caption_bands(gray, BBox(0, 0, 1200, 400), 200)
    unit = [b for b in bands if b[1] >= 170]
    assert len(unit) == 1 and unit[0][0] == 900 and unit[0][2] >= 1030


def test_clean_ink_drops_dust_but_keeps_dot_leaders() -> None:
    crop = np.full((50, 200), 230, np.uint8)
    crop[20:22, 150:152] = 30  # a tiny dust speck: not even ink
    assert ink.clean_ink(crop, 200) == (pytest.approx(np.zeros((50, 200), bool)), 0)
    narrow = np.full((50, 60), 230, np.uint8)
    narrow[20:24, 30:34] = 30  # a speck in a narrow cell: dropped, but counted (the cell is less surely empty)
    mask, specks = ink.clean_ink(narrow, 200)
    assert not mask.any() and specks == 1
    for x in range(40, 160, 20):  # "……"
        crop[30:33, x:x + 3] = 30
    assert ink.clean_ink(crop, 200)[0].any()


def test_read_cells_on_a_scanned_table(engine) -> None:  # type: ignore[no-untyped-def]
    page = synth.blank_page()
    texts = {(0, 0): "CODE", (0, 1): "AMOUNT", (1, 0): "201", (1, 1): "2,106.66", (2, 0): "20106",
             (2, 1): "16.19", (3, 0): "2010601", (3, 1): "1,511.90"}
    synth.draw_table(page, 200, 200, [300, 400], [60, 60, 60, 60, 60], texts=texts)
    img = synth.scan(page, angle=0.0)
    img.flags.writeable = False
    grid = lattice.find_grids(img, 200)[0]
    cells = {(c.row, c.col): c for c in rc.read_cells(PageImage(source="s", page_number=1, gray=img, dpi=200),
                                                      grid, engine)}
    for pos, text in texts.items():
        assert cells[pos].text == text
        assert cells[pos].confidence >= 0.9
    assert cells[(4, 0)].text == "" and cells[(4, 1)].text == ""  # empty row kept


def test_hook_build_table(glyph_engine, config) -> None:  # type: ignore[no-untyped-def]
    engine = glyph_engine  # any reader of synthetic text: the test engine, no model to load
    page = synth.blank_page()
    synth.draw_table(page, 200, 300, [300, 400], [60, 60], texts={(0, 0): "A1", (1, 1): "3.50"})
    img = synth.scan(page)
    img.flags.writeable = False
    pimg = PageImage(source="s", page_number=3, gray=img, dpi=200)
    grid = lattice.find_grids(img, 200)[0]
    table = rc.build_table(page=pimg, grid=grid, engine=engine, table_id="p003-t1", upper_bound=0.0,
                           config=config)
    assert table is not None and table.id == "p003-t1" and (table.n_rows, table.n_cols) == (2, 2)
    assert {c.text for c in table.cells} == {"A1", "3.50", ""}


def test_gray_percentiles_are_numpys() -> None:
    rng = np.random.default_rng(3)
    for i in range(300):
        h, w = (int(x) for x in rng.integers(1, 60, 2))
        crop = (rng.integers(0, 256, (h, w)) if i % 2 else np.clip(rng.normal(200, 40, (h, w)), 0, 255)
                ).astype(np.uint8)
        assert ink.gray_percentiles(crop, (90, 0.3, 50)) == tuple(
            float(np.percentile(crop, q)) for q in (90, 0.3, 50))


def test_read_cells_counts_runner_up_readings_that_leave_the_text_as_written(glyph_engine) -> None:  # type: ignore[no-untyped-def]
    """A dust dot read after "3.50" (or nothing there: runner-up blank) is dropped either way: the cell stays sure;
    a "1" whose runner-up is "7" is in doubt (plugins/cells/charconf.py through read_cells)."""
    from pipeline.interfaces import LineRecognition

    class Doubting:
        def recognize_lines(self, crops):  # type: ignore[no-untyped-def]
            out = []
            for r in glyph_engine.recognize_lines(crops):
                sure = (1.0,) * len(r.text)
                if r.text == "3.50":
                    out.append(LineRecognition("3.50.", 0.9, (*sure, 0.6), (*((),) * 4, (("", 0.35), (",", 0.05)))))
                else:
                    out.append(LineRecognition(r.text, 0.9, (*sure[:-1], 0.6), (*((),) * (len(r.text) - 1),
                                                                               (("7", 0.4),))))
            return out

        def detect_and_recognize(self, image):  # type: ignore[no-untyped-def]
            return glyph_engine.detect_and_recognize(image)

    page = synth.blank_page()
    synth.draw_table(page, 200, 300, [300, 400], [60, 60], texts={(0, 0): "A1", (1, 1): "3.50"})
    img = synth.scan(page)
    img.flags.writeable = False
    grid = lattice.find_grids(img, 200)[0]
    cells = {(c.row, c.col): c for c in rc.read_cells(PageImage(source="s", page_number=1, gray=img, dpi=200),
                                                      grid, Doubting())}  # type: ignore[arg-type]
    assert cells[(1, 1)].text == "3.50" and cells[(1, 1)].confidence >= 0.9
    assert cells[(0, 0)].text == "A1" and cells[(0, 0)].confidence < 0.9


def test_read_cells_a_lone_speck_in_a_small_table_is_grain(glyph_engine) -> None:  # type: ignore[no-untyped-def]
    """Too few empty cells for the table's speck statistics, but a speck smaller than a full stop is no printed mark:
    the cell is confidently empty (plugins/cells/blank.py only_grain through read_cells)."""
    page = synth.blank_page()
    synth.draw_table(page, 200, 300, [300, 80], [60, 60], texts={(0, 0): "A1", (1, 0): "3.50"})
    img = synth.scan(page).copy()
    img[385:389, 540:544] = 40  # dust in the narrow empty cell (1, 1)
    grid = lattice.find_grids(img, 200)[0]
    cells = {(c.row, c.col): c for c in rc.read_cells(PageImage(source="s", page_number=1, gray=img, dpi=200),
                                                      grid, glyph_engine)}
    assert cells[(1, 1)].text == "" and "specks-dropped" in cells[(1, 1)].flags
    assert cells[(1, 1)].confidence >= 0.9


def test_a_tall_cells_lines_are_not_read_twice() -> None:
    """The detector reads a tall cell whole: its line crops are not also sent to the recogniser (they were,
    and their readings were thrown away), but still hold a place, so the cell counts as inked."""
    from pipeline.interfaces import LineRecognition
    from plugins.cells.ink import LineCrop
    from plugins.cells.reconstruct import read_lines

    seen: list[int] = []

    class Counting:
        def recognize_lines(self, crops):  # type: ignore[no-untyped-def]
            seen.extend(int(c[0, 0]) for c in crops)
            return [LineRecognition(str(int(c[0, 0])), 0.9) for c in crops]

    crops = [LineCrop(cell, np.full((10, 30), k, np.uint8), BBox(0, 0, 30, 10))
             for k, cell in enumerate([0, 1, 1, 2])]
    out = read_lines(crops, {1}, Counting())  # type: ignore[arg-type]
    assert seen == [0, 3]
    assert [r.text for r in out] == ["0", "", "", "3"]
    assert read_lines(crops[1:3], {1}, Counting()) == [LineRecognition("", 0.0)] * 2  # type: ignore[arg-type]
