"""Faint, dotted and dashed rulings (``plugins/grid/faint.py``): found as ridges of the grey page averaged
along the line; pages ruled in solid lines keep exactly their grid.  Pages from ``samples/capture_samples.py``
("faint" cases) and small drawn images."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from itertools import pairwise

import numpy as np
import pytest

from pipeline.geometry import upright
from plugins.grid import faint, lattice
from samples import capture_samples as cs
from samples import make_samples as ms

FONT = ms.find_cjk_font()
needs_font = pytest.mark.skipif(FONT is None, reason="no CJK font (apt-get install fonts-wqy-zenhei)")
CASES = {c.name: c for c in cs.CASES}


@lru_cache(maxsize=4)
def rendered(name: str) -> tuple[np.ndarray, dict]:
    page, truth = cs.render_case(CASES[name], str(FONT))
    return page, truth["tables"][0]


def grid_of(name: str) -> tuple[lattice.Grid, dict]:
    page, truth = rendered(name)
    case = CASES[name]
    grids = lattice.find_grids(upright(page, 0, case.skew), case.dpi)
    assert len(grids) == 1, [(g.n_rows, g.n_cols) for g in grids]
    return grids[0], truth


def spans_found(grid: lattice.Grid, truth: dict) -> float:
    want = {(c["row"], c["col"], c["rowspan"], c["colspan"]) for c in truth["cells"]}
    return len(want & set(grid.spans)) / len(want)


@needs_font
@pytest.mark.parametrize(("name", "min_cells"), [("dotted-rulings", 0.8), ("dashed-rulings-150", 0.4),
                                                  ("faint-rulings-photo-light", 1.0)])
def test_dotted_dashed_and_faint_rulings_make_the_grid(name: str, min_cells: float) -> None:
    """Dot-matrix dots, dashes and pale rulings under a phone's uneven light: every row and column of the
    printed table is found (without the ridges, the dotted and dashed tables came out as a few rows or not
    at all), and most cells with their printed spans."""
    grid, truth = grid_of(name)
    assert (grid.n_rows, grid.n_cols) == (truth["n_rows"], truth["n_cols"])
    assert spans_found(grid, truth) >= min_cells


def ruled_image(pattern: tuple[int, int] | None, level: int, text_rows: bool = False) -> np.ndarray:
    """A 3×4 grid (200 dpi scale) drawn with rulings dashed by ``pattern`` (on, off pixels; None: solid) at
    grey ``level`` on paper 200, optionally with rows of digit-like text (black strokes) in the cells."""
    img = np.full((600, 900), 200, np.uint8)
    xs, ys = [100, 300, 500, 700, 800], [100, 250, 400, 550]
    on = np.ones(900, bool) if pattern is None else (np.arange(900) % sum(pattern)) < pattern[0]
    for y in ys:
        img[y:y + 2, xs[0]:xs[-1] + 1][:, on[xs[0]:xs[-1] + 1]] = level
    for x in xs:
        img[ys[0]:ys[-1] + 1, x:x + 2][on[ys[0]:ys[-1] + 1], :] = level
    if text_rows:
        for y in ys[:-1]:
            for x in xs[:-1]:
                for k in range(4):  # "1111": vertical strokes with a common baseline
                    img[y + 60: y + 90, x + 20 + 14 * k: x + 23 + 14 * k] = 30
                img[y + 88: y + 90, x + 20: x + 70] = 30
    rng = np.random.default_rng(0)
    return np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("pattern", [(2, 4), (12, 8)])
def test_broken_rulings_are_ridges(pattern: tuple[int, int]) -> None:
    gray = ruled_image(pattern, 150)
    (grid,) = lattice.find_grids(gray, 200)
    assert (grid.n_rows, grid.n_cols) == (3, 4)
    assert len(grid.spans) == 12


def test_solid_rulings_add_no_ridge_lines() -> None:
    """A page ruled in solid lines: every ridge is explained by the ink's own rulings, nothing is added (the
    grids of such pages stay exactly as they were)."""
    gray = ruled_image(None, 40, text_rows=True)
    scale = lattice.Scale.for_dpi(200)
    ink = lattice.binarize(gray, 200)
    horiz, vert = lattice.line_masks(ink, scale)
    h_cov, v_cov = lattice.coverage_masks(ink, scale)
    out = faint.faint_rulings(gray, ink, (horiz, vert), (h_cov, v_cov), scale.long_kernel, scale.long_kernel_v,
                              scale.short_kernel)
    assert not out[0].any() and not out[1].any()


def test_faint_search_only_where_solid_rulings_leave_ink_outside_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ridge search costs a third of grid detection: a page whose solid-ruled grids hold most of its ink
    skips it (same grid), a page ruled in dashes still gets it."""
    calls: list[int] = []
    real = faint.faint_rulings

    def counted(*args: object, **kwargs: object) -> tuple[np.ndarray, ...]:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(faint, "faint_rulings", counted)
    (grid,) = lattice.find_grids(ruled_image(None, 40, text_rows=True), 200)
    assert (grid.n_rows, grid.n_cols) == (3, 4)
    assert not calls
    (grid,) = lattice.find_grids(ruled_image((2, 4), 150, text_rows=True), 200)
    assert (grid.n_rows, grid.n_cols) == (3, 4)
    assert calls == [1]


def test_ink_share_counts_ink_inside_grid_boxes() -> None:
    ink = np.zeros((100, 100), np.uint8)
    ink[10:20, 10:20] = 255
    ink[80:90, 80:90] = 255
    (grid,) = lattice.find_grids(ruled_image(None, 40), 200)
    assert lattice.ink_share(ink, []) == 0.0
    assert lattice.ink_share(ink, [replace(grid, bbox=lattice.BBox(0, 0, 50, 50))]) == 0.5
    assert lattice.ink_share(ink, [replace(grid, bbox=lattice.BBox(0, 0, 99, 99))]) == 1.0


def test_text_is_not_a_ridge() -> None:
    """A row of digits' common baseline and their aligned strokes are dark on both sides only on one side:
    the ridge needs paper on both sides."""
    gray = ruled_image(None, 200, text_rows=True)  # rulings invisible: only the text remains
    ink = lattice.binarize(gray, 200)
    g = gray.astype(np.float32)
    paper = faint.paper_brightness(g, 111)
    for horizontal in (True, False):
        response = faint.ridge_response(g, paper, 37, 4, horizontal)
        assert not faint.ridge_lines(response, 100, horizontal).any()
    assert faint.grain(ink) == 3


def test_grain_follows_the_stroke_width() -> None:
    thin = np.zeros((200, 200), np.uint8)
    thin[::10, :] = 255
    thin[1::10, :] = 255
    thick = np.zeros((200, 200), np.uint8)
    for k in range(5):
        thick[k::20, :] = 255
    assert faint.grain(thin) == 2
    assert faint.grain(thick) == 5


def plain_run_lengths(mask: np.ndarray) -> np.ndarray:
    """Run lengths along every other row and column, one line at a time (the definition)."""
    out = []
    for lines in (mask[::2] > 0, (mask[:, ::2] > 0).T):
        for line in lines:
            d = np.diff(np.concatenate([[0], line.astype(np.int8), [0]]))
            out.extend(np.flatnonzero(d == -1) - np.flatnonzero(d == 1))
    return np.sort(np.array(out, np.intp))


def test_run_lengths_of_the_ink_window_are_those_of_the_page() -> None:
    """Runs measured in the ink's window, all lines in one flat array, equal those of every sampled line of
    the whole page: blots at odd corners and touching the page's edges (fails when the window's corner loses
    its even parity, or lines are not closed by zeros and runs join across two lines)."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        mask = np.zeros((int(rng.integers(3, 60)), int(rng.integers(3, 60))), np.uint8)
        for _ in range(int(rng.integers(0, 12))):
            y, x = int(rng.integers(0, mask.shape[0])), int(rng.integers(0, mask.shape[1]))
            mask[y: y + int(rng.integers(1, 12)), x: x + int(rng.integers(1, 12))] = 255
        assert np.array_equal(np.sort(faint.run_lengths(mask)), plain_run_lengths(mask))
        assert np.array_equal(np.sort(faint.run_lengths(mask > 0)), plain_run_lengths(mask))


# ----------------------------------------------------------------------------- double rulings (plugins/grid/double.py)


def double_framed_table() -> np.ndarray:
    """A 3×3 table (200 dpi scale) framed in a double line (two 2-px lines 9 px apart) with a double line under
    its header row, a digit-like mark in every cell."""
    img = np.full((700, 900), 235, np.uint8)
    xs, ys = [100, 350, 600, 800], [100, 220, 400, 580]
    for y in ys:
        img[y:y + 2, xs[0]:xs[-1] + 2] = 20
    for x in xs:
        img[ys[0]:ys[-1] + 2, x:x + 2] = 20
    for y in (ys[0] - 9, ys[1] + 9, ys[-1] + 9):  # the second line of each double
        img[y:y + 2, xs[0] - 9:xs[-1] + 11] = 20
    for x in (xs[0] - 9, xs[-1] + 9):
        img[ys[0] - 9:ys[-1] + 11, x:x + 2] = 20
    for y0, y1 in pairwise(ys):
        for x0 in xs[:-1]:
            img[(y0 + y1) // 2 - 12:(y0 + y1) // 2 + 12, x0 + 40:x0 + 44] = 20
    return img


def test_double_rulings_are_one_border() -> None:
    """Without the rule, the frame's second lines and the header's double line add sliver rows and columns
    that hold nothing."""
    (grid,) = lattice.find_grids(double_framed_table(), 200)
    assert (grid.n_rows, grid.n_cols) == (3, 3)
    assert all(b - a > 100 for a, b in pairwise(grid.row_edges))


def test_two_close_borders_with_text_between_are_kept() -> None:
    from plugins.grid import double

    gray = np.full((200, 300), 235, np.uint8)
    text_ink = np.zeros((200, 300), np.uint8)
    edges, other = [20.0, 100.0, 115.0, 180.0], [10.0, 290.0]
    assert double.merge_doubles(edges, other, gray, text_ink, 200, 3, True) == [20.0, 100.0, 180.0]
    text_ink[104:112, 50:120] = 255  # a line of small print between them: a real (thin) row
    assert double.merge_doubles(edges, other, gray, text_ink, 200, 3, True) == edges
    gray[115:117, :] = 20  # the darker line of a double ruling is the one kept
    text_ink[:] = 0
    assert double.merge_doubles(edges, other, gray, text_ink, 200, 3, True) == [20.0, 115.0, 180.0]
