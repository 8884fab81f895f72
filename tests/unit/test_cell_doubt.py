"""Cell doubt from the page itself and from text shape (plugins/cells/blank.py, plugins/cells/shape.py): specks as
common as a harsh scan's grain are its noise, a mark bigger than that keeps its doubt; numbers with letters glued
in and labels with a stray end character are lowered."""

from __future__ import annotations

import numpy as np
import pytest

from plugins.cells.blank import MIN_DUSTY, noise_specks, speck_ink
from plugins.cells.shape import shape_factor

EM = 29.0  # 10.5 pt at 200 dpi


def blank_cell(dots: int = 0, size: int = 2, seed: int = 0) -> np.ndarray:
    """A 40×120 paper crop with ``dots`` dark square marks of ``size`` pixels."""
    crop = np.full((40, 120), 235, np.uint8)
    rng = np.random.default_rng(seed)
    for _ in range(dots):
        y, x = rng.integers(5, 30), rng.integers(5, 110)
        crop[y:y + size, x:x + size] = 40
    return crop


def test_common_small_specks_are_noise_and_a_bigger_mark_keeps_its_doubt() -> None:
    crops = [blank_cell(1, 2, s) for s in range(8)] + [blank_cell(3, 4, 99)] + [blank_cell() for _ in range(20)]
    specks = [1] * 8 + [3] + [0] * 20
    noise = noise_specks(crops, specks, [True] * len(crops), EM)
    assert noise == set(range(8))  # the ellipsis-like cell (index 8) is not the table's noise
    assert speck_ink(crops[8], EM) > 2 * speck_ink(crops[0], EM)


def test_rare_specks_keep_their_doubt() -> None:
    crops = [blank_cell(1, 2, s) for s in range(MIN_DUSTY - 1)] + [blank_cell() for _ in range(100)]
    specks = [1] * (MIN_DUSTY - 1) + [0] * 100
    assert noise_specks(crops, specks, [True] * len(crops), EM) == set()
    # enough dusty cells in number but under 5% of the empty cells: a clean scan's occasional dust
    crops = [blank_cell(1, 2, s) for s in range(4)] + [blank_cell() for _ in range(100)]
    assert noise_specks(crops, [1] * 4 + [0] * 100, [True] * 104, EM) == set()


@pytest.mark.parametrize(("text", "doubt"), [
    ("3i2", True), ("31Q12", True), ("476.85SY", True), ("1357.8€", True), ("X项目支出", True),
    ("1公务接待费", True), ("本年支出“", True),
    ("312", False), ("1,234.50", False), ("项目支出", False), ("1.一般公共预算资金", False), ("2023年完成", False),
    ("（一）行政单位", False), ("≥1.2万亩", False), ("=100%", False), ("", False),
])
def test_text_shape(text: str, doubt: bool) -> None:
    assert (shape_factor(text) < 1.0) is doubt


def test_grain_read_as_a_character_is_noise_but_a_printed_character_is_not() -> None:
    from plugins.cells.blank import noise_reading

    grain = np.zeros((40, 120), bool)
    grain[10:14, 50:55] = True  # 20 px: far less ink than a printed "1" (about 0.11 square ems)
    one = np.zeros((40, 120), bool)
    one[8:27, 50:55] = True  # a "1": 0.65 em tall, a 5-px stroke
    assert noise_reading(grain, 0.05, EM)
    assert not noise_reading(grain, 0.9, EM)  # a confident reading stands
    assert not noise_reading(one, 0.05, EM)  # a real character read badly keeps its text (and its doubt)
    assert not noise_reading(np.zeros((40, 120), bool), 0.0, EM)


def test_characters_need_ink_whatever_the_confidence() -> None:
    from plugins.cells.blank import noise_reading

    grain = np.zeros((40, 120), bool)
    grain[10:15, 50:56] = True  # 30 px = 0.036 square ems
    assert noise_reading(grain, 0.95, EM, "國") and not noise_reading(grain, 0.95, EM, "國國")
    assert not noise_reading(grain, 0.95, EM, "-")  # a small printed hyphen keeps its reading
    one = np.zeros((40, 120), bool)
    one[8:27, 50:55] = True
    assert not noise_reading(one, 0.95, EM, "1")


def test_a_quantity_with_its_unit_is_plausible_a_code_glued_to_a_name_is_not() -> None:
    from plugins.cells.reconstruct import plausibility
    from plugins.cells.shape import is_quantity

    for text in ("80公斤", "3260户", "1468元", "21.6公里", "≥1.2万亩", "1,200万元", "95%"):
        assert is_quantity(text) and plausibility(text) == 1.0, text
    for text in ("2010101一般公共服务", "30111绩效工资", "12一般"):
        assert not is_quantity(text) and plausibility(text) < 1.0, text


def test_an_empty_cell_holding_only_grain_and_ruling_remnants_is_confidently_empty() -> None:
    from plugins.cells.blank import only_grain

    dpi = 200.0
    cell = np.full((40, 150), 235, np.uint8)
    cell[:, 0:2] = 60  # a remnant of the left ruling, two pixels thin, along the edge
    cell[0:3, 40:70] = 70  # and of the top ruling
    cell[10:16, 100:106] = 50  # one speck, smaller than a full stop
    assert only_grain(cell, dpi)
    two = cell.copy()
    two[28:33, 20:25] = 50
    assert only_grain(two, dpi)  # two specks: dust
    dots = np.full((40, 150), 235, np.uint8)
    for x in (10, 22, 34):  # "…": three dots on one baseline
        dots[20:24, x:x + 4] = 60
    assert not only_grain(dots, dpi)
    dash = np.full((40, 150), 235, np.uint8)
    dash[19:22, 60:72] = 50  # a hyphen, 0.4 em long, in the middle of the cell
    assert not only_grain(dash, dpi)
    hair = cell.copy()
    hair[8:30, 80:84] = 60  # a stroke taller than a dot, away from the edges
    assert not only_grain(hair, dpi)


def test_a_doubted_reading_of_a_few_letters_alone_is_grain() -> None:
    """A hair across an empty cell read as 'dA' or 'MS' at low confidence: these forms print no stray Latin
    letters; with confidence, or with a digit or a Chinese character in it, the reading stands."""
    from plugins.cells.blank import noise_reading

    hair = np.zeros((40, 120), bool)
    hair[5:35, 40:43] = True
    hair[20:22, 40:90] = True
    assert noise_reading(hair, 0.03, EM, "dA") and noise_reading(hair, 0.4, EM, "k")
    assert not noise_reading(hair, 0.95, EM, "MS")  # confident letters (a printed A/B column) stand
    assert not noise_reading(hair, 0.03, EM, "A1") and not noise_reading(hair, 0.03, EM, "KQ病")
    assert not noise_reading(hair, 0.03, EM, "GDPR")  # a longer word is no grain
