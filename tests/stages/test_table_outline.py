"""A photographed table's own outline (``plugins/deskew/outline.py``): the keystone a photo's sheet outline
left is taken out by the table's outer border; a table that is already a rectangle is left alone."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import pytest

from plugins.deskew import outline
from plugins.grid import lattice
from samples import capture_samples as cs
from samples import make_samples as ms

FONT = ms.find_cjk_font()
needs_font = pytest.mark.skipif(FONT is None, reason="no CJK font (apt-get install fonts-wqy-zenhei)")
CASE = next(c for c in cs.CASES if c.name == "ragged-200")


@lru_cache(maxsize=1)
def straight_page() -> tuple[np.ndarray, dict]:
    fig = ms.make_figures(ms.SEED + CASE.seed)
    p = cs.scan_params(CASE)
    spec = cs.ragged_table(fig, seed=CASE.seed)
    style = cs.replace(ms.page_style(p, str(FONT)), row_mm=6.5)
    page = ms.simulate_scan(cs.table_page(spec, style, None), cs.replace(p, skew_deg_ccw=0.0))
    return page, ms.table_truth(spec)


def keystoned(page: np.ndarray, inset: float) -> np.ndarray:
    """``page`` as a photo taken from below its bottom edge: the top edge ``inset`` of the width shorter on
    each side, the page filling the frame (no background to rectify from)."""
    h, w = page.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[inset * w, 0], [w - inset * w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(page, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=235)


@needs_font
def test_keystoned_table_made_rectangular_by_its_outline() -> None:
    page, truth = straight_page()
    want = sorted((c["row"], c["col"], c["rowspan"], c["colspan"]) for c in truth["cells"])
    warped = keystoned(page, 0.08)
    assert [sorted(g.spans) for g in lattice.find_grids(warped, CASE.dpi)] != [want]  # leaning rulings
    hmat = outline.outline_homography(warped)
    assert hmat is not None
    fixed, _ = outline.apply(warped, None, hmat)
    f = min(1.0, outline.WORK_SIDE / max(fixed.shape))
    quad = outline.outline_quad(cv2.resize(fixed, None, fx=f, fy=f, interpolation=cv2.INTER_AREA))
    assert quad is not None and max(abs(a - 90.0) for a in outline.corner_angles(quad)) < 0.5
    (grid,) = lattice.find_grids(fixed, CASE.dpi)
    assert sorted(grid.spans) == want


@needs_font
def test_rectangular_table_left_alone() -> None:
    page, _ = straight_page()
    assert outline.outline_homography(page) is None


def test_paper_edge_is_not_a_border() -> None:
    """A sheet's edge is a step (paper on one side only), a printed border a thin dark line."""
    img = np.full((400, 600), 60, np.uint8)
    img[:, 300:] = 220  # a paper edge at x = 300
    img[100:102, 320:580] = 30  # a printed line on the paper
    seg = np.float32([[300, 50, 300, 350], [320, 101, 580, 101]])
    kept = outline.dark_lines(img, seg)
    assert len(kept) == 1 and kept[0][1] == 101


@needs_font
def test_uneven_light_is_not_a_sheet_outline() -> None:
    """A page that fills the frame under a phone's uneven light (bright side, dim corner): its bright region
    is not a photographed sheet to crop to, its boundary is a falloff and not an edge (this page was
    rectified onto a sliver of itself, and lost its table)."""
    from plugins.deskew import perspective

    case = next(c for c in cs.CASES if c.name == "faint-rulings-photo-light")
    page, _ = cs.render_case(case, str(FONT))
    assert perspective.paper_quad(page) is None
    img = np.full((300, 400), 60, np.uint8)
    img[50:250, 80:320] = 220  # a sheet on a dark table: a sharp outline
    quad = np.array([[80, 50], [320, 50], [320, 250], [80, 250]], np.float64)
    assert perspective.sharp_outline(img, quad)
    ramp = np.tile(np.linspace(230, 120, 400), (300, 1)).astype(np.uint8)
    assert not perspective.sharp_outline(ramp, np.array([[0, 0], [200, 0], [200, 300], [0, 300]], np.float64))
