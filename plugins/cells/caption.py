"""The caption above a table, read from the text-line bands between the previous table (or the page top) and the
table with the same ink rules as its cells (:mod:`plugins.cells.ink`); which band is the title, the unit and the
table code is decided by :func:`pipeline.captions.choose_caption`."""

from __future__ import annotations

import numpy as np

from pipeline.captions import Caption, Segment, choose_caption, is_title, split_code
from pipeline.document.notes import TableNotes
from pipeline.interfaces import OcrEngine
from pipeline.model import BBox, Grid, PageImage
from plugins.cells.ink import clean_ink, drop_tall_marks, em, split_lines


def caption_bands(gray: np.ndarray, region: BBox, dpi: float) -> list[tuple[int, int, int, int]]:
    """Text-line segments (x0, y0, x1, y1) in ``region``, nearest to its bottom first."""
    x0, y0 = int(max(0, region.x0)), int(max(0, region.top))
    x1, y1 = int(min(gray.shape[1], region.x1)), int(min(gray.shape[0], region.bottom))
    if x1 - x0 < 10 or y1 - y0 < 10:
        return []
    crop = gray[y0:y1, x0:x1]
    raw = clean_ink(crop, dpi)[0]
    mask = drop_tall_marks(raw, 2.5 * em(dpi))
    tall = raw & ~mask
    out = []
    for a, b in reversed(split_lines(mask, dpi)):
        if b - a < 0.4 * em(dpi):
            continue
        xs = np.nonzero(band_columns(crop[a:b], mask[a:b], tall[a:b], dpi))[0]
        # split a band into segments at wide horizontal gaps (title vs "单位：万元")
        gap = 2.5 * em(dpi)
        start = prev = int(xs[0])
        for x in xs[1:]:
            if x - prev > gap:
                out.append((x0 + start, y0 + a, x0 + prev + 1, y0 + b))
                start = int(x)
            prev = int(x)
        out.append((x0 + start, y0 + a, x0 + prev + 1, y0 + b))
    # a segment narrower than half a character is a speck of dust or a streak, not text worth reading
    return [s for s in out if s[2] - s[0] >= 0.5 * em(dpi)]


def band_columns(band: np.ndarray, mask: np.ndarray, tall: np.ndarray, dpi: float) -> np.ndarray:
    """Columns of one caption line band (grey ``band``) that hold ink: the region's ink (``mask``), and the ink
    of the band binarised against its own contrast — a light line (a thin serif "单位：元") beside a bold title
    falls under an ink level the title set for the whole region.  ``tall``: the region's tall marks (page edge,
    binding shadow), left out."""
    own = clean_ink(band, dpi)[0] & ~tall
    return mask.any(axis=0) | own.any(axis=0)


def read_caption(page: PageImage, grid: Grid, upper: float, engine: OcrEngine) -> Caption:
    """The table's printed caption (:func:`pipeline.captions.choose_caption`): its title ("" when there is none:
    continuations), its confidence, the printed unit ("单位：万元" → "万元") and table code ("公开03表"), read from
    the text-line segments between ``upper`` and the table."""
    dpi = page.dpi
    top = max(upper, grid.bbox.top - 12 * em(dpi))
    region = BBox(0, top, page.width, grid.bbox.top - 2)
    segs = caption_bands(page.gray, region, dpi)[:8]
    if not segs:
        return choose_caption([], grid.bbox)
    crops = []
    for x0, y0, x1, y1 in segs:
        pad = max(2, (y1 - y0) // 4)
        crops.append(page.gray[max(0, y0 - pad): y1 + pad, max(0, x0 - pad): x1 + pad])
    results = engine.recognize_lines(crops)
    return choose_caption([Segment(r.text.strip(), x0, x1, r.confidence, y0, y1)
                           for (x0, y0, x1, y1), r in zip(segs, results, strict=False)], grid.bbox)


def is_caption(text: str, x0: float, x1: float, table: BBox) -> bool:
    """Can a line segment (``x0``..``x1``) above ``table`` be its title (:func:`pipeline.captions.is_title`)."""
    return is_title(split_code(text)[1], x0, x1, table)


def caption_extra(caption: Caption) -> TableNotes:
    """The caption's unit and table code as table notes (unset when not printed)."""
    return TableNotes(unit=caption.unit or None, table_code=caption.code or None)
