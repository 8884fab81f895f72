"""Second reading of doubtful cells (plugins/cells/reread.py): only the band of doubt is re-read; an agreeing
second reading raises the cell above the review threshold, a disagreeing or weak one leaves it as it was."""

from __future__ import annotations

import numpy as np

from pipeline.interfaces import LineRecognition
from plugins.cells.reread import AGREE_CONFIDENCE, REREAD_FROM, agree, doubtful, second_preparation


def line(text: str, weakest: float) -> LineRecognition:
    return LineRecognition(text=text, confidence=weakest, char_confidences=(0.999, weakest))


def test_only_the_band_of_doubt_is_reread() -> None:
    assert doubtful([line("科目名称", 0.9)])  # 0.9 ** 3 = 0.73
    assert not doubtful([line("科目名称", 0.999)])  # confident
    assert not doubtful([line("M", 0.5)])  # 0.125: too doubtful to be confirmed
    assert not doubtful([line("", 0.9)])


def test_agreement_needs_the_same_text_and_a_confident_enough_second_reading() -> None:
    first = [line("项目 支出", 0.9), line("合计", 0.95)]
    assert agree(first, [line("项目支出", 0.88), line("合计", 0.99)])
    assert not agree(first, [line("项目支出", 0.5), line("合计", 0.99)])  # 0.5 ** 3 < REREAD_FROM
    assert not agree(first, [line("项目支山", 0.99), line("合计", 0.99)])
    assert not agree(first, first[:1])
    assert AGREE_CONFIDENCE > 0.9 > REREAD_FROM


def test_second_preparation_stretches_and_enlarges() -> None:
    img = np.full((30, 80), 200, np.uint8)
    img[10:20, 20:60] = 120  # faint ink
    out = second_preparation(img)
    assert out.shape == (60, 160) and out.dtype == np.uint8
    assert out.max() == 255 and out[30, 80] < 40  # paper to white, ink to near black
