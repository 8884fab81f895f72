"""Open PDFs (pypdfium2) and raster images (OpenCV, Pillow for multi-page TIFF) as paged documents.

Pages come out as read-only uint8 grayscale arrays.  PDF pages render at ``config.dpi``; images keep their own
resolution (their dpi tag when present, else 200).  A PDF page's own characters come with it
(``PageImage.chars``, boxes mapped to the rendered pixels with pdfium's own page-to-device transform, so
crop boxes and ``/Rotate`` are honoured); the page counts as having a text layer when one of them is visible
and printable.  Whether that layer is *used* instead of OCR is decided later (``check_text_layer``).
"""

from __future__ import annotations

import math
import os
import re
import threading
from pathlib import Path

import numpy as np

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.errors import InputError
from pipeline.interfaces import DocumentSource
from pipeline.model import BBox, PageChar, PageImage

PDF_MAGIC = b"%PDF-"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
_PDFIUM_LOCK = threading.Lock()  # pdfium is not thread-safe


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def sniff(path: str) -> str | None:
    """'pdf', 'image' or None, from the first bytes (never from the suffix alone)."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if not head:
        raise InputError(path, "empty file")
    if PDF_MAGIC in head:
        return "pdf"
    if (head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8") or head[:4] in (b"II*\x00", b"MM\x00*")
            or head.startswith(b"BM")):
        return "image"
    return None


def _load_failure(path: str, pdfium_message: str) -> str:
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(1 << 20)
        f.seek(max(0, size - (1 << 20)))
        tail = f.read()
    if b"/Encrypt" in head or b"/Encrypt" in tail:
        return "encrypted PDF (password required)"
    if b"%%EOF" not in tail[-2048:]:
        return "corrupt or truncated PDF (no end-of-file marker)"
    if re.search(rb"/Type\s*/Pages\b", head + tail) and not re.search(rb"/Count\s*[1-9]", head + tail):
        return "PDF has no pages"
    return f"corrupt PDF ({pdfium_message})"


#: PDF text render modes that put nothing on the page (3: invisible, the hidden layer of OCR'd scans; 7: clip)
INVISIBLE_RENDER_MODES = (3, 7)
#: device pixels are computed at this many times the render size, for sub-pixel precision from pdfium's ints
_SUBPIXEL = 64


def page_to_pixels(page: object, width_px: int, height_px: int) -> np.ndarray:
    """2×3 affine from PDF page coordinates (points, y up) to the pixels of ``page.render`` on a
    ``width_px``×``height_px`` bitmap (y down), as pdfium itself maps them (crop box, ``/Rotate``)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    def dev(x: float, y: float) -> tuple[float, float]:
        dx, dy = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(page, 0, 0, width_px * _SUBPIXEL, height_px * _SUBPIXEL, 0, x, y,
                                   ctypes.byref(dx), ctypes.byref(dy))
        return dx.value / _SUBPIXEL, dy.value / _SUBPIXEL

    o, ex, ey = dev(0.0, 0.0), dev(1000.0, 0.0), dev(0.0, 1000.0)
    return np.array([[(ex[0] - o[0]) / 1000.0, (ey[0] - o[0]) / 1000.0, o[0]],
                     [(ex[1] - o[1]) / 1000.0, (ey[1] - o[1]) / 1000.0, o[1]]])


def read_chars(page: object, textpage: object, width_px: int, height_px: int) -> tuple[PageChar, ...]:
    """The page's own characters (not the spaces and line breaks pdfium generates between words, nor those
    outside the visible page), with loose boxes in rendered pixels, visibility (render mode), Unicode mapping
    and direction."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    m = page_to_pixels(page, width_px, height_px)
    tp = textpage.raw  # type: ignore[attr-defined]
    rect = pdfium_c.FS_RECTF()
    modes: dict[int, int] = {}
    out: list[PageChar] = []
    for i in range(pdfium_c.FPDFText_CountChars(tp)):
        if pdfium_c.FPDFText_IsGenerated(tp, i) == 1:
            continue
        code = pdfium_c.FPDFText_GetUnicode(tp, i)
        text = chr(code) if 0 < code < 0x110000 else "\ufffd"
        if text in "\r\n" or not pdfium_c.FPDFText_GetLooseCharBox(tp, i, ctypes.byref(rect)):
            continue
        obj = pdfium_c.FPDFText_GetTextObject(tp, i)
        key = ctypes.cast(obj, ctypes.c_void_p).value or 0
        if key not in modes:
            modes[key] = pdfium_c.FPDFTextObj_GetTextRenderMode(obj) if key else 0
        xs = m[0, 0] * np.array([rect.left, rect.right]) + m[0, 1] * np.array([rect.bottom, rect.top]) + m[0, 2]
        ys = m[1, 0] * np.array([rect.left, rect.right]) + m[1, 1] * np.array([rect.bottom, rect.top]) + m[1, 2]
        if not (0 <= xs.mean() < width_px and 0 <= ys.mean() < height_px):
            continue  # outside the page's visible area (clipped by the crop box)
        rad = pdfium_c.FPDFText_GetCharAngle(tp, i)
        rad = rad if rad >= 0 else 0.0
        dx = m[0, 0] * math.cos(rad) + m[0, 1] * math.sin(rad)
        dy = m[1, 0] * math.cos(rad) + m[1, 1] * math.sin(rad)
        mapped = (not pdfium_c.FPDFText_HasUnicodeMapError(tp, i) and text != "\ufffd"
                  and not 0xE000 <= code <= 0xF8FF)
        out.append(PageChar(text=text, bbox=BBox(float(xs.min()), float(ys.min()), float(xs.max()),
                                                 float(ys.max())),
                            visible=modes[key] not in INVISIBLE_RENDER_MODES, mapped=mapped,
                            angle=round(math.degrees(math.atan2(-dy, dx)) % 360.0, 2)))
    return tuple(out)


def _images_with_content(page: object) -> bool:
    """Whether an image placed on the page has samples that vary (asked only when the page rendered as one
    flat colour: an image that holds a scan but draws nothing means pdfium could not decode it)."""
    import pypdfium2.raw as pdfium_c

    try:
        objects = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4))  # type: ignore[attr-defined]
    except Exception:
        return False
    for obj in objects:
        try:
            a = obj.get_bitmap(render=False).to_numpy()
        except Exception:
            continue
        if a.size and int(a.min()) != int(a.max()):
            return True
    return False


#: a page is in colour when this share of its pixels is saturated (chroma above ``COLOUR_CHROMA``)
COLOUR_SHARE = 0.0005
COLOUR_CHROMA = 60


def colour_array(rgb: np.ndarray) -> np.ndarray | None:
    """``rgb`` (uint8 H×W×3) when it holds visible colour (a stamp, coloured print), else None: a grey page
    stored as RGB stays grey, so grayscale behaviour is unchanged."""
    step = max(1, int(math.sqrt(rgb.shape[0] * rgb.shape[1] / 1_000_000)))
    sample = rgb[::step, ::step]
    # per channel, not along the last axis: numpy's reduction over a 3-long strided axis cost 0.18 s a page
    r, g, b = (np.ascontiguousarray(sample[..., k]) for k in range(3))
    chroma = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)  # uint8: max >= min
    return rgb if np.count_nonzero(chroma > COLOUR_CHROMA) >= COLOUR_SHARE * chroma.size else None


def colour_of(frame: object) -> np.ndarray | None:
    """The colour pixels of a Pillow frame in colour mode, else None (see :func:`colour_array`)."""
    if getattr(frame, "mode", "L") not in ("RGB", "RGBA", "P", "CMYK", "YCbCr"):
        return None
    return colour_array(np.asarray(frame.convert("RGB")))


def grey_of(rgb: np.ndarray) -> np.ndarray | None:
    """The grey page of a colour rendering whose three channels are equal everywhere (a grey scan: pdfium's
    grey rendering of such a page is exactly that channel, so the page is rendered once, not twice), else None."""
    red = rgb[..., 0]
    if np.array_equal(red, rgb[..., 1]) and np.array_equal(red, rgb[..., 2]):
        return np.ascontiguousarray(red)
    return None


class PdfSource(DocumentSource):
    def __init__(self, path: str, config: PipelineConfig) -> None:
        import pypdfium2 as pdfium

        self.path = path
        self.config = config
        try:
            with _PDFIUM_LOCK:
                self._pdf = pdfium.PdfDocument(path)
                self.n_pages = len(self._pdf)
        except pdfium.PdfiumError as exc:
            # pdfium's error text can be stale from an earlier call: decide from the file itself
            raise InputError(path, _load_failure(path, str(exc))) from None
        if self.n_pages == 0:
            self.close()
            raise InputError(path, "PDF has no pages")

    def render(self, page_number: int) -> PageImage:
        import pypdfium2 as pdfium

        scale = self.config.dpi / 72.0
        try:
            with _PDFIUM_LOCK:
                page = self._pdf[page_number - 1]
                w_pt, h_pt = page.get_size()
                if w_pt * h_pt * scale * scale > self.config.max_pixels:
                    raise InputError(self.path, f"page is too large to render ({w_pt:.0f}×{h_pt:.0f} pt)",
                                     page_number)
                rgb = page.render(scale=scale, rev_byteorder=True).to_numpy()[..., :3]
                arr = grey_of(rgb)
                grey = arr is not None
                if arr is None:  # colour on the page: pdfium's own grey rendering, as it always was
                    arr = page.render(scale=scale, grayscale=True).to_numpy().copy()
                if _uniform(arr) and _images_with_content(page):
                    raise InputError(self.path, "page renders as uniform paper but holds an image with content "
                                     "(image format not rendered)", page_number)
                textpage = page.get_textpage()
                chars = read_chars(page, textpage, math.ceil(w_pt * scale), math.ceil(h_pt * scale))
                textpage.close()
                page.close()
        except pdfium.PdfiumError as exc:
            raise InputError(self.path, f"cannot render page ({exc})", page_number) from None
        if arr.ndim == 3:
            arr = arr[..., 0]
        # a page whose channels are all equal (``grey_of``) holds no colour
        color = colour_array(rgb) if rgb.shape[:2] == arr.shape[:2] and not grey else None
        return PageImage(source=self.path, page_number=page_number, gray=_readonly(arr), dpi=self.config.dpi,
                         text_layer=any(c.visible and not c.text.isspace() for c in chars), chars=chars,
                         color=None if color is None else _readonly(np.ascontiguousarray(color)))

    def close(self) -> None:
        pdf = getattr(self, "_pdf", None)
        if pdf is not None:
            with _PDFIUM_LOCK:
                pdf.close()
            self._pdf = None


#: Pillow modes holding more than 8 bits per sample, scaled (not clipped) to 8 bits by :func:`to_gray8`
WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")


def wide_to_gray8(a: np.ndarray) -> np.ndarray:
    """16-bit (or 32-bit int / float) samples to 8 bits, linearly, never clipped.  The full scale is the
    smallest of 2^8, 2^12 and 2^16 that holds the data's maximum (8-bit data stored in 16 bits, 12-bit
    scanners, 16-bit scanners); floats within 0..1 are taken as such.  Paper stays light, ink dark."""
    if a.size == 0:
        return np.zeros(a.shape, np.uint8)
    is_float = np.issubdtype(a.dtype, np.floating)
    v = a.astype(np.float64)
    lo, top = float(v.min()), float(v.max())
    if lo < 0:  # signed samples: shift them to start at 0
        v, top = v - lo, top - lo
    scales = (1.0,) if is_float and top <= 1.0 else (255.0, 4095.0, 65535.0)
    scale = next((s for s in scales if top <= s), top)
    return np.clip(np.rint(v * (255.0 / scale)), 0, 255).astype(np.uint8)


def to_gray8(frame: object) -> np.ndarray:
    """One Pillow frame as 8-bit grayscale: transparency over white paper, wide samples scaled."""
    from PIL import Image

    mode = frame.mode  # type: ignore[attr-defined]
    if mode in WIDE_MODES:
        return wide_to_gray8(np.asarray(frame))
    if mode in ("RGBA", "LA", "P", "PA"):
        background = Image.new("RGBA", frame.size, (255, 255, 255, 255))  # type: ignore[attr-defined]
        frame = Image.alpha_composite(background, frame.convert("RGBA"))  # type: ignore[attr-defined]
    return np.asarray(frame.convert("L"))  # type: ignore[attr-defined]


def _uniform(arr: np.ndarray) -> bool:
    return int(arr.min()) == int(arr.max())


def _has_content(frame: object) -> bool:
    """Whether the frame's own samples vary (in any band), whatever its pixel format."""
    try:
        ext = frame.getextrema()  # type: ignore[attr-defined]
    except Exception:
        return False
    bands = ext if ext and isinstance(ext[0], tuple) else (ext,)
    return any(b[0] != b[1] for b in bands)


class ImageSource(DocumentSource):
    """PNG/JPEG/BMP (one page) or TIFF (one page per frame)."""

    def __init__(self, path: str, config: PipelineConfig) -> None:
        from PIL import Image

        self.path = path
        self.config = config
        Image.MAX_IMAGE_PIXELS = config.max_pixels
        try:
            self._img = Image.open(path)
            w, h = self._img.size
            self.n_pages = int(getattr(self._img, "n_frames", 1))
        except Image.DecompressionBombError:
            raise InputError(path, f"image exceeds {config.max_pixels} pixels (decompression bomb?)") from None
        except Exception as exc:
            raise InputError(path, f"cannot read image ({type(exc).__name__}: {exc})") from None
        if w * h > config.max_pixels:
            raise InputError(path, f"image of {w}×{h} pixels exceeds the {config.max_pixels}-pixel limit")

    def render(self, page_number: int) -> PageImage:
        try:
            self._img.seek(page_number - 1)
            frame = self._img
            dpi_info = frame.info.get("dpi")
            dpi = float(dpi_info[0]) if dpi_info and dpi_info[0] and float(dpi_info[0]) > 30 else 200.0
            w, h = frame.size
            if w * h > self.config.max_pixels:
                raise InputError(self.path, f"frame of {w}×{h} pixels exceeds the pixel limit", page_number)
            arr = to_gray8(frame)
            color = colour_of(frame)
        except InputError:
            raise
        except (OSError, ValueError, SyntaxError) as exc:
            raise InputError(self.path, f"truncated or corrupt image ({exc})", page_number) from None
        if arr.size == 0:
            raise InputError(self.path, "image has no pixels", page_number)
        if _uniform(arr) and _has_content(self._img):
            raise InputError(self.path, f"page renders as uniform {'white' if arr.flat[0] > 127 else 'gray'} but "
                             f"the image holds content (pixel format {self._img.mode} not rendered)", page_number)
        return PageImage(source=self.path, page_number=page_number, gray=_readonly(arr), dpi=dpi,
                         color=None if color is None else _readonly(color))

    def close(self) -> None:
        img = getattr(self, "_img", None)
        if img is not None:
            img.close()
            self._img = None


@hookimpl(trylast=True)
def open_document(path: str, config: PipelineConfig) -> DocumentSource | None:
    if not os.path.isfile(path):
        raise InputError(path, "no such file")
    kind = sniff(path)
    if kind == "pdf":
        return PdfSource(path, config)
    if kind == "image":
        return ImageSource(path, config)
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf" or suffix in IMAGE_SUFFIXES:
        raise InputError(path, f"file content is not a valid {suffix[1:].upper()} file")
    return None
