"""Ruled grid detection: spans from drawn rulings, broken and faint lines, streaks, several tables."""

from __future__ import annotations

import numpy as np

from pipeline.geometry import rotate_image
from pipeline.model import PageImage
from plugins.grid import lattice
from tests import synth

MERGES = [(0, 0, 1, 3), (0, 3, 2, 1), (1, 0, 1, 2), (5, 0, 1, 3)]


def _table(**kw):  # type: ignore[no-untyped-def]
    page = synth.blank_page()
    spans = synth.draw_table(page, 120, 200, [90, 90, 400, 220, 220], [50, 50, 45, 45, 45, 45, 45],
                             merges=MERGES, **kw)
    return page, spans


def test_spans_of_a_header_block() -> None:
    page, spans = _table()
    grids = lattice.find_grids(synth.scan(page), 200)
    assert len(grids) == 1
    g = grids[0]
    assert (g.n_rows, g.n_cols) == (7, 5)
    assert sorted(g.spans) == spans


def test_broken_and_thin_rulings() -> None:
    page, spans = _table(thickness=1, gaps=True, ink=90)
    grids = lattice.find_grids(synth.scan(page, noise=6), 200)
    assert len(grids) == 1 and sorted(grids[0].spans) == spans


def test_feeder_streak_is_not_a_column() -> None:
    page, spans = _table()
    page[:, 820:822] = 150  # a faint vertical streak over the whole sheet
    page[30:60, 1300:1302] = 40  # and a hair
    grids = lattice.find_grids(synth.scan(page), 200)
    assert len(grids) == 1 and sorted(grids[0].spans) == spans


def test_dash_in_a_cell_is_not_a_ruling() -> None:
    page = synth.blank_page()
    spans = synth.draw_table(page, 150, 200, [300, 300, 300], [60] * 4)
    page[258:261, 560:620] = 30  # "——" in cell (1, 1)
    g = lattice.find_grids(synth.scan(page), 200)[0]
    assert sorted(g.spans) == spans


def test_two_tables_and_a_text_page() -> None:
    page = synth.blank_page(height=1600)
    synth.draw_table(page, 150, 150, [300, 300, 300], [60] * 4)
    synth.draw_table(page, 150, 800, [200, 200, 200, 200], [60] * 6)
    grids = lattice.find_grids(synth.scan(page), 200)
    assert [(g.n_rows, g.n_cols) for g in grids] == [(4, 3), (6, 4)]
    text_only = synth.blank_page()
    for y in range(150, 900, 40):
        text_only[y:y + 18, 150:1200:7] = 40  # lines of "characters"
    assert lattice.find_grids(synth.scan(text_only), 200) == []


def test_residual_skew_of_a_few_tenths() -> None:
    page, spans = _table()
    tilted = rotate_image(page, 0.3, fill=235)
    assert sorted(lattice.find_grids(synth.scan(tilted), 200)[0].spans) == spans


def test_spans_from_coverage_closes_rectangles() -> None:
    vcov = np.array([[0.0, 1.0], [1.0, 1.0]])  # (0,0)-(0,1) merged
    hcov = np.array([[0.0, 1.0, 1.0]])  # (0,0)-(1,0) merged -> group must close to 2x2
    assert lattice.spans_from_coverage(vcov, hcov) == [(0, 0, 2, 2), (0, 2, 1, 1), (1, 2, 1, 1)]


def test_hook_detect_grids(config) -> None:  # type: ignore[no-untyped-def]
    page, spans = _table()
    img = synth.scan(page)
    img.flags.writeable = False
    grids = lattice.detect_grids(page=PageImage(source="s", page_number=1, gray=img, dpi=200), config=config)
    assert len(grids) == 1 and sorted(grids[0].spans) == spans


def test_ruling_segments_from_the_ink_window_are_those_of_the_whole_mask() -> None:
    """``extract_segments`` labels only the window holding the mask's ink (odd corners included): positions are
    page coordinates and the segments, in order, are those of labelling the whole page."""
    import cv2
    import numpy as np

    from plugins.grid.lattice import extract_segments

    def whole_page(mask: np.ndarray, horizontal: bool, min_length: int) -> list[tuple[float, float, float]]:
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        out = []
        for x, y, w, h, _a in stats[1:n]:
            if horizontal and w >= min_length:
                out.append((y + h / 2.0, float(x), float(x + w)))
            elif not horizontal and h >= min_length:
                out.append((x + w / 2.0, float(y), float(y + h)))
        return out

    rng = np.random.default_rng(3)
    for _ in range(20):
        mask = np.zeros((301, 401), np.uint8)
        for _ in range(int(rng.integers(1, 12))):
            y, x = int(rng.integers(0, 299)), int(rng.integers(0, 300))
            mask[y: y + int(rng.integers(1, 4)), x: x + int(rng.integers(5, 100))] = 255  # rulings, some touching
            mask[int(rng.integers(0, 290)): 300, int(rng.integers(0, 400))] = 255
        for horizontal in (True, False):
            got = [(s.pos, s.lo, s.hi) for s in extract_segments(mask, horizontal, 8)]
            assert got == whole_page(mask, horizontal, 8)
    # scattered specks and short strokes with wide empty bands between them (only rows and columns near ink are
    # labelled): specks touching only at a corner stay one component, specks two empty lines apart stay two
    for size in ((157, 233), (160, 240)):
        for density in (0.002, 0.02):
            mask = np.zeros(size, np.uint8)
            mask[rng.random(size) < density] = 255
            mask[40:60] = 0
            mask[:, 100:131] = 0
            mask[10, 5:70] = 255
            mask[80:150, 150] = 255
            mask[151, 151] = mask[152, 150] = 255  # diagonal neighbours across a pair boundary
            for horizontal in (True, False):
                got = [(s.pos, s.lo, s.hi) for s in extract_segments(mask, horizontal, 1)]
                assert got == whole_page(mask, horizontal, 1)
    assert extract_segments(np.zeros((50, 60), np.uint8), True, 8) == []


def test_only_aligned_line_pairs_near_ink_are_labelled() -> None:
    """Pairs of lines with ink are kept, and one empty pair after each run of them; the rest are dropped."""
    import numpy as np

    from plugins.grid.segments import occupied

    line_max = np.zeros(13, np.uint8)
    line_max[[3, 4, 11]] = 255
    # pairs 1 (2-3) and 2 (4-5) hold ink, pair 3 (6-7) is the gap after them; pair 5 (10-11) and the odd last
    # line 12 (pair 6, cut short) after it
    assert occupied(line_max).tolist() == [2, 3, 4, 5, 6, 7, 10, 11, 12]
    assert occupied(np.zeros(5, np.uint8)).tolist() == []
