"""Tables as really printed and captured: unruled rows, seals on colour pages, photographed sheets, and the
per-page guard.  Pages come from ``samples/capture_samples.py`` (typeset from invented figures, with truth)."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache

import cv2
import numpy as np
import pytest

from pipeline import hookimpl
from pipeline.document.codec import document_json
from pipeline.evaluate import metrics, score_document
from pipeline.geometry import upright
from pipeline.model import BBox, Cell, Grid, PageImage, Table
from pipeline.plugin_manager import PluginManager
from pipeline.runner import page_warnings, process_page
from plugins.cells.reconstruct import DETECTOR_BUDGET_FLAG, MAX_DETECTOR_CELLS, detector_over_budget
from plugins.deskew import capture, perspective, seals
from plugins.grid import gapcols, lattice, partial
from samples import capture_samples as cs
from samples import make_samples as ms

FONT = ms.find_cjk_font()
needs_font = pytest.mark.skipif(FONT is None, reason="no CJK font (apt-get install fonts-wqy-zenhei)")
CASES = {c.name: c for c in cs.CASES}


@lru_cache(maxsize=8)
def rendered(name: str) -> tuple[np.ndarray, str]:
    page, truth = cs.render_case(CASES[name], str(FONT))
    page.flags.writeable = False
    return page, json.dumps(truth)


def page_image(name: str) -> PageImage:
    img, _ = rendered(name)
    case = CASES[name]
    if img.ndim == 3:
        gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        return PageImage(source=name, page_number=1, gray=gray, dpi=case.dpi, color=img)
    return PageImage(source=name, page_number=1, gray=img, dpi=case.dpi)


def truth_table(name: str) -> dict:
    return json.loads(rendered(name)[1])["tables"][0]


# ----------------------------------------------------------------------------- partially ruled tables


@needs_font
@pytest.mark.parametrize("name", ["unruled-200", "unruled-150-skewed"])
def test_unruled_rows_become_rows_and_wrapped_names_stay_one_cell(name: str) -> None:
    case, truth = CASES[name], truth_table(name)
    gray = upright(page_image(name).gray, 0, case.skew)
    (grid,) = lattice.find_grids(gray, case.dpi)
    assert (grid.n_rows, grid.n_cols) == (truth["n_rows"], truth["n_cols"])
    # the header block is ruled, every body row boundary is inferred (two-line names did not split)
    assert grid.inferred_rows == tuple(range(cs.header_rows(cs.unruled_final_table(ms.make_figures())) + 1,
                                             truth["n_rows"]))
    assert grid.ambiguous_rows == ()
    # "合计" over the four code/name columns is one cell of the unruled body
    assert (cs.header_rows(cs.unruled_final_table(ms.make_figures())), 0, 1, 4) in grid.spans


@needs_font
def test_fully_ruled_table_infers_nothing() -> None:
    case, truth = CASES["sealed-red"], truth_table("sealed-red")
    prepared = capture.prepare(page_image("sealed-red"))
    assert prepared is not None
    (grid,) = lattice.find_grids(upright(prepared.gray, 0, case.skew), case.dpi)
    assert grid.inferred_rows == ()
    assert (grid.n_rows, grid.n_cols) == (truth["n_rows"], truth["n_cols"])


def test_row_gaps_rules() -> None:
    em = 30.0
    line = 22
    # rows 0.9 em apart: every gap is a row boundary
    rows = [(i * (line + 27), i * (line + 27) + line) for i in range(5)]
    assert len(partial.row_gaps(rows, em)) == 4
    # a wrapped cell: lines a leading apart are one row, between rows a clear gap
    wrapped = [(0, 22), (32, 54), (81, 103), (130, 152), (162, 184)]
    got = partial.row_gaps(wrapped, em)
    assert [round(y) for y, _ in got] == [68, 116]
    # two lines of a header cell: not two rows
    assert partial.row_gaps([(0, 22), (33, 55)], em) == []
    # a large blank region between text lines is not a row: one boundary in it, none inside it
    assert len(partial.row_gaps([(0, 22), (49, 71), (400, 422)], em)) == 2


def test_inferred_boundaries_are_less_certain_and_ambiguous_ones_flagged() -> None:
    grid = Grid(bbox=BBox(0, 0, 10, 30), row_edges=(0.0, 10.0, 20.0, 30.0), col_edges=(0.0, 10.0),
                spans=((0, 0, 1, 1), (1, 0, 1, 1), (2, 0, 1, 1)), inferred_rows=(1, 2), ambiguous_rows=(2,))
    cells = [Cell(row=r, col=0, rowspan=1, colspan=1, text="1", confidence=0.99, bbox=BBox(0, 0, 1, 1))
             for r in range(3)]
    out = partial.inferred_row_confidence(cells, grid)
    assert out[0].confidence < 0.99 and "row-boundary-ambiguous" not in out[0].flags
    assert all(c.confidence <= partial.AMBIGUOUS_ROW_CAP and "row-boundary-ambiguous" in c.flags
               for c in out[1:])


@needs_font
@pytest.mark.parametrize("name", ["colsless-200", "colsless-150-skewed"])
def test_rows_ruled_columns_from_aligned_gaps(name: str) -> None:
    case, truth = CASES[name], truth_table(name)
    gray = upright(page_image(name).gray, 0, case.skew)
    (grid,) = lattice.find_grids(gray, case.dpi)
    assert (grid.n_rows, grid.n_cols) == (truth["n_rows"], truth["n_cols"])
    # only the outer box is ruled: every inner column boundary is inferred, each lies in its printed gap
    assert grid.inferred_cols == tuple(range(1, truth["n_cols"]))
    assert grid.inferred_rows == () and grid.ambiguous_cols == ()
    printed = ms.edges(0, [ms.px(w, case.dpi) for w in cs.COLSLESS_COLS_MM])
    for k in grid.inferred_cols:  # the whitespace between a right-aligned amount and the next column's text
        assert abs((grid.col_edges[k] - grid.col_edges[0]) - printed[k]) < ms.px(8, case.dpi)
    assert all(rs == 1 and cs_ == 1 for _r, _c, rs, cs_ in grid.spans)


@needs_font
@pytest.mark.parametrize("name", ["ragged-200", "ragged-150-skewed", "open-top-left", "open-top-150"])
def test_ragged_and_open_sided_grids_keep_their_structure(name: str) -> None:
    """Items and funding sources splitting a project's rows differently (one column's cell spans several rows
    of its neighbour); a continuation printed without its top (and left) border: the grid is the printed one,
    cell for cell."""
    case, truth = CASES[name], truth_table(name)
    gray = upright(page_image(name).gray, 0, case.skew)
    grids = lattice.find_grids(gray, case.dpi)
    assert len(grids) == 1
    want = sorted((c["row"], c["col"], c["rowspan"], c["colspan"]) for c in truth["cells"])
    assert sorted(grids[0].spans) == want


def test_open_side_needs_most_rulings_ending_together() -> None:
    S = lattice.Segment
    hs = [S(100.0, 0.0, 500.0), S(140.0, 0.0, 500.0), S(180.0, 0.0, 500.0)]
    cols = [S(x, 60.0, 180.0) for x in (0.0, 100.0, 300.0, 500.0)]  # top border not printed: all start at 60
    _, vs = lattice.drop_overshooting(hs, cols, 12.0)
    assert len(vs) == 4
    streak = S(250.0, 20.0, 180.0)  # one line running past the top alone is a streak
    _, vs = lattice.drop_overshooting(hs, [S(x, 100.0, 180.0) for x in (0.0, 100.0, 300.0, 500.0)] + [streak], 12.0)
    assert streak not in vs and len(vs) == 4


def test_column_gaps_rules() -> None:
    em = 30.0

    def row(*runs: tuple[int, int]) -> np.ndarray:
        p = np.zeros(600, bool)
        for a, b in runs:
            p[a:b] = True
        return p

    cols = [row((0, 60), (120, 300), (400, 520)), row((10, 50), (130, 250), (450, 520)),
            row((0, 60), (120, 200), (430, 520))]
    got = gapcols.common_gaps(cols, em)
    assert [round(x) for x, _ in got] == [90, 350] and not any(a for _, a in got)
    # a word space (under MIN_COL_GAP_EM) is not a column gap
    assert gapcols.common_gaps([row((0, 60), (80, 200))] * 4, em) == []
    # one row's spacing proves nothing; two rows need several aligned gaps and stay ambiguous
    assert gapcols.common_gaps([row((0, 60), (200, 300)), row()], em) == []
    assert gapcols.common_gaps(cols[:2], em) == []
    four = [row((0, 50), (120, 200), (280, 350), (430, 500))] * 2
    assert [a for _, a in gapcols.common_gaps(four, em)] == [True, True, True]
    # one gap splitting a ruled label column ("一、" + tracked text) is not a column structure
    enum = [row((0, 50), (90, 400)), row((0, 45), (90, 300)), row((0, 50), (90, 350))]
    assert gapcols.common_gaps(enum, em) == []
    # a gap beside a column edge the lattice already has is a broken ruling, not a column
    assert [round(x) for x, _ in gapcols.common_gaps(cols, em, edges=(360.0,))] == []
    assert [round(x) for x, _ in gapcols.common_gaps(cols * 2, em, edges=(500.0,))] == [90, 350]
    # a paragraph row ends a group
    assert gapcols.is_paragraph(row((0, 500)), 1.1 * em) and not gapcols.is_paragraph(cols[0], 1.1 * em)


def test_inferred_columns_are_less_certain_and_ambiguous_ones_flagged() -> None:
    grid = Grid(bbox=BBox(0, 0, 30, 10), row_edges=(0.0, 10.0), col_edges=(0.0, 10.0, 20.0, 30.0),
                spans=((0, 0, 1, 1), (0, 1, 1, 1), (0, 2, 1, 1)), inferred_cols=(1, 2), ambiguous_cols=(2,))
    cells = [Cell(row=0, col=c, rowspan=1, colspan=1, text="1", confidence=0.99, bbox=BBox(0, 0, 1, 1))
             for c in range(3)]
    out = partial.inferred_row_confidence(cells, grid)
    assert out[0].confidence < 0.99 and not out[0].flags
    assert all(c.confidence <= partial.AMBIGUOUS_ROW_CAP and "col-boundary-ambiguous" in c.flags for c in out[1:])


# ----------------------------------------------------------------------------- seals


@needs_font
@pytest.mark.parametrize("name", ["sealed-red", "sealed-blue"])
def test_seal_found_and_suppressed_black_print_kept(name: str) -> None:
    page = page_image(name)
    prepared = capture.prepare(page)
    assert prepared is not None and len(prepared.seals) == 1 and prepared.perspective is None
    s = prepared.seals[0]
    size = ms.px(40, page.dpi)
    assert abs(s.width - size) < 0.2 * size and abs(s.height - size) < 0.2 * size
    x0, y0, x1, y1 = int(s.x0), int(s.top), int(s.x1), int(s.bottom)
    ink = seals.stamp_ink(page.color[y0:y1, x0:x1])
    before, after = page.gray[y0:y1, x0:x1], prepared.gray[y0:y1, x0:x1]
    assert ink.mean() > 0.03
    assert float(np.median(after[ink])) > float(np.median(before[ink])) + 40  # stamp ink now near paper
    black = (page.color[y0:y1, x0:x1].max(axis=2) < 90)  # print under/around the seal
    assert black.sum() > 100 and float(np.median(after[black])) < 100


def test_brightest_channel_is_the_largest_of_the_three() -> None:
    """Two element-wise maxima give what the reduction over the pixel axis gives, for the uint8 page and the
    int16 arithmetic of ``stamp_ink``, on a whole page and on a seal's window of it."""
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (67, 91, 3), dtype=np.uint8)
    for a in (rgb, rgb.astype(np.int16), rgb[5:40, 7:60]):
        assert np.array_equal(seals.brightest_channel(a), a.max(axis=2))
        assert seals.brightest_channel(a).dtype == a.dtype


def test_grey_pages_are_left_unchanged() -> None:
    rng = np.random.default_rng(0)
    gray = rng.integers(150, 255, (600, 400), dtype=np.uint8)
    page = PageImage(source="g", page_number=1, gray=gray, dpi=200)
    assert capture.prepare(page) is None
    rgb = np.repeat(gray[..., None], 3, axis=2)  # a grey page stored as RGB has no colour
    from plugins.render.pdfium import colour_array

    assert colour_array(rgb) is None


# ----------------------------------------------------------------------------- photographs


@needs_font
@pytest.mark.parametrize("name", ["photo-tilted", "photo-quarter-turn", "photo-lighter-background",
                                  "photo-low-contrast"])
def test_photographed_sheet_rectified(name: str) -> None:
    case = CASES[name]
    p = cs.scan_params(case)
    spec = cs.unruled_final_table(ms.make_figures(ms.SEED + case.seed), n_rows=12)
    scanned = ms.simulate_scan(cs.table_page(spec, ms.page_style(p, str(FONT)), None),
                               replace(p, skew_deg_ccw=0.0))
    photo, truth_h = cs.photograph(scanned, case.quarter_turns, case.tilt, case.seed, case.background,
                                   case.paper_gain)
    prepared = capture.prepare(PageImage(source=name, page_number=1, gray=photo, dpi=72))
    assert prepared is not None and prepared.perspective is not None
    assert prepared.dpi == pytest.approx(perspective.MIN_DPI)
    hmat = np.array(prepared.perspective).reshape(3, 3)
    h, w = np.rot90(scanned, case.quarter_turns).shape
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])[None]
    got = cv2.perspectiveTransform(cv2.perspectiveTransform(corners, truth_h), hmat)[0]
    ph, pw = prepared.gray.shape
    want = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    # the sheet's corners land on the page's corners: perspective and crop undone, within ~0.3% of the page
    assert np.abs(got - want).max() < 0.003 * max(pw, ph) + 2


def test_scans_are_not_rectified() -> None:
    page = np.full((1400, 1000), 230, np.uint8)
    page[:, :8] = 40  # a scanner's dark edge
    assert perspective.rectify(page) is None
    # a scan whose table fills most of the sheet: its print is unlike the border, its paper is not
    page[200:1200, 100:900] = 230
    page[200:1200:30, 100:900] = 20
    page[200:1200, 100:900:60] = 20
    assert perspective.rectify(page) is None
    assert perspective.rectify(page, np.repeat(page[..., None], 3, axis=2)) is None
    # a shaded table on white paper, skewed as scans are: a tinted rectangle on white, but not seen at an angle
    shaded = np.full((1400, 1000), 250, np.uint8)
    shaded[300:1100, 100:900] = 205
    shaded[300:1100:40, 100:900] = 30
    shaded[300:1100, 100:900:100] = 30
    turn = cv2.getRotationMatrix2D((500, 700), 1.8, 1.0)
    shaded = cv2.warpAffine(shaded, turn, (1000, 1400), borderValue=250)
    assert perspective.rectify(shaded) is None


# ----------------------------------------------------------------------------- hook and page record


def test_hook_prepare_page(config, glyph_engine) -> None:  # type: ignore[no-untyped-def]
    engine = glyph_engine  # a blank page: any engine will do
    seen = []

    class Stamp:
        @hookimpl
        def prepare_page(self, page: PageImage) -> PageImage:
            seen.append(page.page_number)
            return replace(page, seals=(BBox(10, 20, 60, 70),))

    pm = PluginManager(entrypoints=False, extra=[Stamp()])
    page = PageImage(source="x", page_number=3, gray=np.full((300, 200), 235, np.uint8), dpi=200)
    result = process_page(pm, page, engine, config)
    assert seen == [3]
    assert result.seals == (BBox(10.0, 20.0, 60.0, 70.0),)
    doc = document_json("x", "0", 1, [result], [], config, None)
    assert doc["pages"][0]["seals"] == [[10.0, 20.0, 60.0, 70.0]]
    # the built-in leaves a grey scan as it is: no capture record in document.json
    plain = process_page(PluginManager(entrypoints=False), page, engine, config)
    assert "seals" not in document_json("x", "0", 1, [plain], [], config, None)["pages"][0]


# ----------------------------------------------------------------------------- page guard


def test_detector_budget_bounds_the_fallback() -> None:
    dpi = 200
    small = [1000] * (MAX_DETECTOR_CELLS + 5)
    assert len(detector_over_budget(list(range(len(small))), small, dpi)) == 5
    huge = [10**7, 1000]  # one giant crop is over the area budget, the small one after it is still read
    assert detector_over_budget([4, 9], huge, dpi) == {4}


def test_guard_flags_become_a_page_warning() -> None:
    cells = (Cell(row=0, col=0, rowspan=1, colspan=1, text="x", confidence=0.5, bbox=BBox(0, 0, 1, 1),
                  flags=(DETECTOR_BUDGET_FLAG,)),)
    table = Table(id="t", page=1, bbox=BBox(0, 0, 1, 1), n_rows=1, n_cols=1, cells=cells)
    (warning,) = page_warnings([table])
    assert warning.startswith(DETECTOR_BUDGET_FLAG + ": 1 cells")


# ----------------------------------------------------------------------------- end to end


@needs_font
@pytest.mark.parametrize("name", ["unruled-150-skewed", "colsless-150-skewed", "sealed-red", "photo-quarter-turn",
                                  "photo-lighter-background"])
def test_captured_pages_read_end_to_end(name: str, tmp_path, config, pm) -> None:  # type: ignore[no-untyped-def]
    from pipeline.runner import process_document

    path = cs.write_case(tmp_path, CASES[name], str(FONT))
    summary = process_document(path, tmp_path / "out", config, pm, name=name)
    assert summary.status == "ok"
    pred = json.loads((tmp_path / "out" / name / "document.json").read_text(encoding="utf-8"))
    truth = json.loads((path.parent / "truth.json").read_text(encoding="utf-8"))
    m = metrics(score_document(truth, pred).tally)
    assert m["content_acc"] >= 0.97 and m["numeric_recall"] >= 0.98 and m["numeric_precision"] >= 0.98, m


# ----------------------------------------------------------------------------- stacked tables


@pytest.mark.parametrize("gap", [14, 30])  # 2 mm and 4 mm at 200 dpi
def test_two_tables_stacked_close_together_stay_two(gap: int) -> None:
    from tests import synth

    page = synth.blank_page(1400, 1200)
    cols = [120, 300, 200, 200]
    synth.draw_table(page, 150, 100, cols, [45] * 6, texts={(1, 0): "101", (2, 3): "12.50"})
    synth.draw_table(page, 150, 100 + 6 * 45 + gap, cols, [45] * 5, texts={(1, 0): "202"})
    grids = lattice.find_grids(synth.scan(page), 200)
    assert sorted((g.n_rows, g.n_cols) for g in grids) == [(5, 4), (6, 4)]


def test_a_full_width_merged_row_does_not_split_a_table() -> None:
    from tests import synth

    page = synth.blank_page(1400, 1000)
    spans = synth.draw_table(page, 150, 100, [120, 300, 200, 200], [45] * 7, merges=[(3, 0, 1, 4)])
    (grid,) = lattice.find_grids(synth.scan(page), 200)
    assert (grid.n_rows, grid.n_cols) == (7, 4) and sorted(grid.spans) == spans


# ----------------------------------------------------------------------------- colour kept by the renderers


@pytest.mark.parametrize("fmt", ["PNG", "PDF"])
def test_renderers_keep_colour_alongside_grey(tmp_path, config, fmt: str) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    from plugins.render.pdfium import open_document

    rgb = np.full((400, 300, 3), 240, np.uint8)
    rgb[100:200, 100:200] = (200, 30, 40)  # a red stamp
    grey = np.repeat(rgb.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    for name, arr, coloured in (("red", rgb, True), ("grey", grey, False)):
        path = tmp_path / f"{name}.{fmt.lower()}"
        Image.fromarray(arr, "RGB").save(path, fmt, resolution=100.0) if fmt == "PDF" else \
            Image.fromarray(arr, "RGB").save(path, fmt)
        with open_document(str(path), config) as src:
            page = src.render(1)
        assert (page.color is not None) is coloured, name
        assert page.gray.ndim == 2 and page.gray.dtype == np.uint8
        if coloured:
            assert page.color.shape == (*page.gray.shape, 3)
