"""Opening inputs: PDFs, images, multi-page TIFF, and every kind of bad input, each with a clear error."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.errors import InputError
from plugins.render import pdfium
from tests.conftest import SAMPLES

PDF = SAMPLES / "demo-final-2024" / "scan.pdf"


def test_pdf_pages_render_at_dpi(config) -> None:  # type: ignore[no-untyped-def]
    with pdfium.open_document(path=str(PDF), config=config) as src:
        assert src.n_pages == 3
        page = src.render(2)
    assert page.page_number == 2 and page.dpi == 200 and page.gray.dtype == np.uint8
    assert page.gray.shape[1] == pytest.approx(1654, abs=3)
    assert not page.gray.flags.writeable
    assert page.text_layer is False  # an image-only scan


def test_multipage_tiff(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    frames = [Image.fromarray(np.full((100, 80), v, np.uint8)) for v in (10, 200)]
    path = tmp_path / "two.tiff"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    with pdfium.open_document(path=str(path), config=config) as src:
        assert src.n_pages == 2
        p2 = src.render(2)
    assert p2.dpi == 300 and int(p2.gray.mean()) == 200


def _png_header_only(path: Path, w: int, h: int) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10))
                     + chunk(b"IEND", b""))


def _encrypted_pdf(path: Path) -> None:
    body = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
            b"4 0 obj<</Filter/Standard/V 1/R 2/O<" + b"11" * 32 + b">/U<" + b"22" * 32 + b">/P -4>>endobj\n")
    xref = len(body)
    body += (b"xref\n0 5\n0000000000 65535 f \ntrailer<</Size 5/Root 1 0 R/Encrypt 4 0 R"
             b"/ID[<0123456789abcdef0123456789abcdef><0123456789abcdef0123456789abcdef>]>>\n"
             b"startxref\n" + str(xref).encode() + b"\n%%EOF\n")
    path.write_bytes(body)


def _zero_page_pdf(path: Path) -> None:
    import pypdfium2

    doc = pypdfium2.PdfDocument.new()
    doc.save(str(path))
    doc.close()


BAD_INPUTS = {
    "empty.pdf": (lambda p: p.write_bytes(b""), "empty file"),
    "notes.pdf": (lambda p: p.write_text("this is not a pdf"), "not a valid PDF"),
    "truncated.pdf": (lambda p: p.write_bytes(PDF.read_bytes()[:2000]), "corrupt or truncated"),
    "locked.pdf": (_encrypted_pdf, "encrypted"),
    "nothing.pdf": (_zero_page_pdf, "no pages"),
    "bomb.png": (lambda p: _png_header_only(p, 60000, 60000), "pixel"),
    "broken.png": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 30), "image"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_a_one_line_error_naming_the_file(tmp_path: Path, config, name: str) -> None:  # type: ignore[no-untyped-def]
    make, words = BAD_INPUTS[name]
    path = tmp_path / name
    make(path)
    with pytest.raises(InputError) as info:
        src = pdfium.open_document(path=str(path), config=config)
        with src:
            src.render(1)
    msg = str(info.value)
    assert str(path) in msg and "\n" not in msg and words in msg


def test_unknown_format_is_left_to_other_plugins(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "data.bin"
    path.write_bytes(b"\x00\x01binary")
    assert pdfium.open_document(path=str(path), config=config) is None


def test_hook_open_document(config) -> None:  # type: ignore[no-untyped-def]
    with pdfium.open_document(path=str(SAMPLES / "demo-budget-2025" / "scan.png"), config=config) as src:
        assert src.n_pages == 1
        assert src.render(1).gray.ndim == 2


def _pdfium_grey(path: Path, page_number: int, dpi: float) -> np.ndarray:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        arr = pdf[page_number - 1].render(scale=dpi / 72.0, grayscale=True).to_numpy().copy()
    finally:
        pdf.close()
    return arr[..., 0] if arr.ndim == 3 else arr


@pytest.mark.parametrize("colour", [False, True])
def test_pdf_page_grey_is_pdfium_grey_rendering(tmp_path: Path, config, colour: bool) -> None:  # type: ignore[no-untyped-def]
    """A page is rendered once when it is grey; the grey page is exactly pdfium's grey rendering either way."""
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (120, 90), dtype=np.uint8)
    if colour:
        rgb = np.stack([img, img // 2, 255 - img], axis=2).astype(np.uint8)
        Image.fromarray(rgb, "RGB").save(tmp_path / "p.pdf", resolution=72)
    else:
        Image.fromarray(img, "L").save(tmp_path / "p.pdf", resolution=72)
    with pdfium.open_document(path=str(tmp_path / "p.pdf"), config=config) as src:
        page = src.render(1)
    assert np.array_equal(page.gray, _pdfium_grey(tmp_path / "p.pdf", 1, config.dpi))
    assert (page.color is not None) == colour
    with pdfium.open_document(path=str(PDF), config=config) as src:
        assert np.array_equal(src.render(1).gray, _pdfium_grey(PDF, 1, config.dpi))


def test_grey_of_only_answers_for_equal_channels() -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert np.array_equal(pdfium.grey_of(np.stack([grey] * 3, axis=2)), grey)
    tinted = np.stack([grey, grey, grey], axis=2)
    tinted[1, 2, 2] += 1
    assert pdfium.grey_of(tinted) is None
