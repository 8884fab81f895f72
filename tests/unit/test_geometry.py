"""Boxes and text-layer characters move with their page when it is turned upright and deskewed."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.geometry import upright, upright_box, upright_chars
from pipeline.model import BBox, PageChar


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("skew", [0.0, 3.0, -2.0])
def test_upright_box_follows_the_image(rotation: int, skew: float) -> None:
    img = np.full((300, 200), 255, np.uint8)
    img[40:60, 30:90] = 0
    out = upright(img, rotation, skew)
    ys, xs = np.nonzero(out < 128)
    box = upright_box(BBox(30, 40, 90, 60), 200, 300, rotation, skew)
    assert [box.x0, box.top, box.x1, box.bottom] == pytest.approx(
        [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], abs=1.5)


def test_upright_chars_turn_their_direction() -> None:
    ch = PageChar(text="表", bbox=BBox(30, 40, 50, 60), angle=270.0)  # text running down the page
    (turned,) = upright_chars([ch], 200, 300, 90, 0.0)
    assert turned.angle == 0.0 and turned.text == "表"
    assert [turned.bbox.x0, turned.bbox.top] == pytest.approx([40, 150])
