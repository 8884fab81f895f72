"""A table printed as a single ruled row: its vertical rulings are one row tall, shorter than the opening that
finds the rulings of ordinary tables, and must still make a grid."""

from __future__ import annotations

import numpy as np
import pytest

from plugins.grid import lattice
from tests import synth


def _strip(dpi: float, texts: dict[tuple[int, int], str] | None = None) -> np.ndarray:
    f = dpi / 200
    page = synth.blank_page(width=round(1400 * f), height=round(1000 * f))
    widths = [round(w * f) for w in (300, 120, 300, 120, 160, 160)]
    synth.draw_table(page, round(100 * f), round(150 * f), widths, [round(48 * f)], texts=texts,
                     thickness=max(1, round(2 * f)))
    return page


@pytest.mark.parametrize("dpi", [150, 200, 300])
def test_one_ruled_row_is_a_table(dpi: float) -> None:
    grids = lattice.find_grids(synth.scan(_strip(dpi)), dpi)
    assert [(g.n_rows, g.n_cols) for g in grids] == [(1, 6)]


def test_one_ruled_row_with_text_and_skew() -> None:
    page = _strip(200, texts={(0, 0): "1234.56", (0, 2): "TOTAL 88"})
    grids = lattice.find_grids(synth.scan(page, angle=0.3), 200)
    assert [(g.n_rows, g.n_cols) for g in grids] == [(1, 6)]


def test_text_between_two_rules_is_not_a_table() -> None:
    """A heading set between two rules (no vertical rulings closing it) stays no table: strokes of text never
    reach both rules."""
    page = synth.blank_page()
    page[150:152, 100:1300] = 30
    page[198:200, 100:1300] = 30
    for x in range(130, 1250, 60):  # tall strokes inside the band, touching neither rule
        page[158:192, x:x + 3] = 30
    assert lattice.find_grids(synth.scan(page), 200) == []


def test_a_dense_bar_between_two_rules_is_not_a_table() -> None:
    """A halftone or bar-code band between two rules is full of vertical runs reaching both rules; it is not a
    row of cells (a printed form's bar code, a shaded band)."""
    page = synth.blank_page()
    page[150:152, 300:900] = 30
    page[198:200, 300:900] = 30
    page[150:200, 300:302] = 30
    page[150:200, 898:900] = 30
    rng = np.random.default_rng(3)
    for x in range(302, 898, 6):  # bars 2-4 px wide, a few pixels apart
        page[152:198, x:x + int(rng.integers(2, 5))] = 30
    assert lattice.find_grids(synth.scan(page), 200) == []
