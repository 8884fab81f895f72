"""16-bit (and 12-bit) grayscale pages are scaled, not clipped to white; a page that renders blank while
the file holds content is an error naming file and page (issue 11, case 3)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from pipeline.errors import InputError
from plugins.render.pdfium import ImageSource, open_document
from tests.synth import blank_page, draw_table


def table_page() -> np.ndarray:
    page = blank_page(900, 600, paper=235)
    draw_table(page, 60, 60, [200, 150, 150], [50, 50, 50, 50], ink=30)
    return page


@pytest.mark.parametrize(("name", "factor", "writer"), [
    ("p16.png", 257, "cv2"), ("p16.tif", 257, "pil"), ("p12.tif", 16, "pil"), ("p8in16.png", 1, "cv2")])
def test_wide_grayscale_pages_keep_their_ink(tmp_path: Path, config, pm, name: str, factor: int,  # type: ignore[no-untyped-def]
                                             writer: str) -> None:
    page = table_page()
    wide = (page.astype(np.uint16) * factor)
    path = tmp_path / name
    if writer == "cv2":
        assert cv2.imwrite(str(path), wide)
    else:
        Image.fromarray(wide).save(path)
    assert Image.open(path).mode.startswith("I")
    with open_document(str(path), config) as src:
        got = src.render(1)
    assert got.gray.dtype == np.uint8
    assert int(np.abs(got.gray.astype(int) - page.astype(int)).max()) <= 2
    grids = pm.detect_grids(page=got, config=config)
    assert len(grids) == 1 and grids[0].n_rows == 4 and grids[0].n_cols == 3


def test_wide_scaling_rule() -> None:
    from plugins.render.pdfium import wide_to_gray8

    assert wide_to_gray8(np.array([[0, 65535]], np.uint16)).tolist() == [[0, 255]]
    assert wide_to_gray8(np.array([[0, 4095]], np.uint16)).tolist() == [[0, 255]]
    assert wide_to_gray8(np.array([[0, 200]], np.uint16)).tolist() == [[0, 200]]
    assert wide_to_gray8(np.array([[0.0, 0.5, 1.0]], np.float32)).tolist() == [[0, 128, 255]]


def test_blank_render_of_an_image_with_content_is_an_error(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    rgba = np.zeros((200, 300, 4), np.uint8)
    rgba[..., :3] = np.repeat(table_page()[:200, :300, None], 3, axis=2)  # a table drawn...
    path = tmp_path / "hidden.png"
    Image.fromarray(rgba, "RGBA").save(path)  # ...entirely transparent: renders as white paper
    src = ImageSource(str(path), config)
    with pytest.raises(InputError) as err:
        src.render(1)
    assert "hidden.png page 1" in str(err.value) and "content" in str(err.value)
    src.close()


def test_a_truly_blank_page_is_fine(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "white.png"
    cv2.imwrite(str(path), np.full((100, 100), 255, np.uint8))
    with open_document(str(path), config) as src:
        assert int(src.render(1).gray.min()) == 255
