"""Born-digital test PDFs written with pdfium itself: real text (an embedded CJK font), vector rulings,
scanned-looking image pages, hidden OCR layers.  Tables are the project's own figures
(``samples/make_samples.py``), typeset in points the way the sample scans typeset them in pixels, so the
samples' truth applies to these PDFs too."""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageFont

from samples import make_samples as gen

MM = 72.0 / 25.4  # points per millimetre
A4 = (595.0, 842.0)


@lru_cache(maxsize=1)
def font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


class PdfWriter:
    """A new PDF; pages are added with ``page()`` and drawn on with the methods below (points, y up)."""

    def __init__(self, font_path: str) -> None:
        self.doc = pdfium.PdfDocument.new()
        data = font_bytes(font_path)
        self._font_buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        self.font = pdfium_c.FPDFText_LoadFont(self.doc.raw, self._font_buf, len(data),
                                               pdfium_c.FPDF_FONT_TRUETYPE, 1)
        assert self.font, "pdfium could not load the font"
        self.measure_path = font_path
        self.pages: list[pdfium.PdfPage] = []

    def page(self, size: tuple[float, float] = A4, rotate: int = 0) -> int:
        page = self.doc.new_page(*size)
        if rotate:
            pdfium_c.FPDFPage_SetRotation(page.raw, rotate // 90)
        self.pages.append(page)
        return len(self.pages) - 1

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` in points at ``size`` points."""
        return _measure_font(self.measure_path).getlength(text) * size / 100.0

    def text(self, page: int, s: str, x: float, y: float, size: float = 9.0, mode: int = 0) -> None:
        """``s`` with its baseline starting at (x, y); ``mode`` 3 = invisible."""
        obj = pdfium_c.FPDFPageObj_CreateTextObj(self.doc.raw, self.font, size)
        buf = ctypes.create_string_buffer((s + "\0").encode("utf-16-le"))
        pdfium_c.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
        if mode:
            pdfium_c.FPDFTextObj_SetTextRenderMode(obj, mode)
        pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
        pdfium_c.FPDFPage_InsertObject(self.pages[page].raw, obj)

    def line(self, page: int, x0: float, y0: float, x1: float, y1: float, width: float = 0.75) -> None:
        path = pdfium_c.FPDFPageObj_CreateNewPath(x0, y0)
        pdfium_c.FPDFPath_LineTo(path, x1, y1)
        pdfium_c.FPDFPageObj_SetStrokeColor(path, 0, 0, 0, 255)
        pdfium_c.FPDFPageObj_SetStrokeWidth(path, width)
        pdfium_c.FPDFPath_SetDrawMode(path, 0, 1)
        pdfium_c.FPDFPage_InsertObject(self.pages[page].raw, path)

    def image(self, page: int, gray: np.ndarray, x: float, y: float, w: float, h: float) -> None:
        """A grayscale image placed in the box (x, y) .. (x + w, y + h)."""
        img = pdfium.PdfImage.new(self.doc)
        img.set_bitmap(pdfium.PdfBitmap.from_pil(Image.fromarray(gray).convert("RGB")))
        img.set_matrix(pdfium.PdfMatrix().scale(w, h).translate(x, y))
        self.pages[page].insert_obj(img)

    def save(self, path: Path) -> Path:
        for p in self.pages:
            assert pdfium_c.FPDFPage_GenerateContent(p.raw)
        self.doc.save(str(path))
        return path


@lru_cache(maxsize=4)
def _measure_font(path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, 100, index=0)


def typeset_table(w: PdfWriter, page: int, spec: gen.TableSpec, top: float, caption: bool, size: float = 8.0,
                  page_width: float = A4[0], texts: dict[tuple[int, int], str] | None = None,
                  mode: int = 0) -> float:
    """Draw ``spec`` centred on the page with its top rule at ``top`` (points from the page bottom), with the
    caption and unit line above it when ``caption``; ``texts`` replaces cell texts (a wrong text layer).
    Returns the y of the bottom rule."""
    col_w = [mm * MM for mm in spec.col_widths_mm]
    x0 = (page_width - sum(col_w)) / 2
    col_x = [x0]
    for cw in col_w:
        col_x.append(col_x[-1] + cw)
    pad, line_h = 1.2 * MM, size * 1.3
    measure = _PointFont(w, size)
    heights = [7.5 * MM] * spec.n_rows
    for c in sorted(spec.cells, key=lambda c: c.rowspan):
        need = len(gen.wrap(c.text, measure, col_x[c.col + c.colspan] - col_x[c.col] - 2 * pad)) * line_h + 2 * pad
        have = sum(heights[c.row: c.row + c.rowspan])
        if need > have:
            heights[c.row + c.rowspan - 1] += need - have
    y = top
    if caption:
        title_size = size * 1.8
        w.text(page, spec.title, page_width / 2 - w.width(spec.title, title_size) / 2, y + 2.6 * size + title_size,
               title_size, mode)
        w.text(page, f"编制单位：{gen.ORG}", col_x[0], y + 0.8 * size, size, mode)
        w.text(page, "单位：万元", col_x[-1] - w.width("单位：万元", size), y + 0.8 * size, size, mode)
    row_y = [y]
    for h in heights:
        row_y.append(row_y[-1] - h)
    for c in spec.cells:
        cx0, cx1 = col_x[c.col], col_x[c.col + c.colspan]
        cy0, cy1 = row_y[c.row], row_y[c.row + c.rowspan]
        text = (texts or {}).get((c.row, c.col), c.text)
        lines = gen.wrap(text, measure, cx1 - cx0 - 2 * pad)
        first = (cy0 + cy1) / 2 + len(lines) * line_h / 2
        for i, line in enumerate(lines):
            tw = w.width(line, size)
            x = {"left": cx0 + pad, "center": (cx0 + cx1 - tw) / 2, "right": cx1 - pad - tw}[c.align]
            w.text(page, line, x, first - (i + 1) * line_h + 0.3 * size, size, mode)
        for a, b in (((cx0, cy0), (cx1, cy0)), ((cx0, cy1), (cx1, cy1)), ((cx0, cy0), (cx0, cy1)),
                     ((cx1, cy0), (cx1, cy1))):
            w.line(page, *a, *b)
    return row_y[-1]


class _PointFont:
    """What ``make_samples.wrap`` needs of a font (``getlength``), in points."""

    def __init__(self, w: PdfWriter, size: float) -> None:
        self.w, self.size = w, size

    def getlength(self, text: str) -> float:
        return self.w.width(text, self.size)


def render_gray(pdf: Path, page: int, dpi: float = 200.0) -> np.ndarray:
    """Page ``page`` (0-based) of ``pdf`` as a grayscale array."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return np.asarray(doc[page].render(scale=dpi / 72.0, grayscale=True).to_pil().convert("L")).copy()
    finally:
        doc.close()


def final_specs() -> Sequence[gen.TableSpec]:
    """The two tables of the ``demo-final-2024`` sample (page 2 and its continuation on page 3)."""
    return gen.build_tables(gen.make_figures())[gen.FINAL_ID]


def text_page(w: PdfWriter, page: int, heading: str, paragraph: str, size: float = 10.0) -> None:
    """A page of prose: centred heading, a paragraph wrapped at the margins, a folio."""
    w.text(page, heading, A4[0] / 2 - w.width(heading, 2 * size) / 2, A4[1] - 35 * MM - 2 * size, 2 * size)
    margin = 28 * MM
    lines = gen.wrap("\u3000\u3000" + paragraph, _PointFont(w, 1.4 * size), A4[0] - 2 * margin)
    for i, line in enumerate(lines):
        w.text(page, line, margin, A4[1] - 55 * MM - i * 2.45 * size, 1.4 * size)
    folio(w, page, size)


def folio(w: PdfWriter, page: int, size: float = 10.0) -> None:
    label = f"— {page + 1} —"
    w.text(page, label, A4[0] / 2 - w.width(label, size) / 2, 15 * MM, size)


def final_document(w: PdfWriter) -> None:
    """The ``demo-final-2024`` sample as a born-digital PDF: a prose page, the table with its caption, and
    its continuation (the samples' truth.json is the truth of this PDF)."""
    fig = gen.make_figures()
    table, continued = final_specs()
    for _ in range(3):
        w.page()
    text_page(w, 0, f"{gen.ORG}2024年度部门决算", gen.intro_paragraph(fig))
    typeset_table(w, 1, table, A4[1] - 40 * MM, caption=True)
    folio(w, 1)
    typeset_table(w, 2, continued, A4[1] - 20 * MM, caption=False)
    folio(w, 2)
