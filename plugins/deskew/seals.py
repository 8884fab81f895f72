"""Stamp (公章) ink on colour pages: found by colour and shape, suppressed in the grey image.

Official seals are printed in saturated red or blue ink over the black print of the form.  Converted to grey
they become dark rings and blobs over the digits they cover.  On a colour page:

``stamp_ink`` (saturated pixels of a red or blue hue that are not dark: black print is never stamp ink) ->
``seal_regions`` (the ink closed over a few millimetres, kept where it forms a compact blob of a seal's size,
20-65 mm across, not too elongated: printed coloured rulings and red titles are long thin shapes, never
suppressed) -> ``suppress`` (inside each seal region, every stamp-ink pixel takes its brightest channel, in
which red and blue ink are as light as paper while black print stays black).

A grey page, or a colour page without seals, is left exactly as it is.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.model import BBox

MM_PER_INCH = 25.4
#: a pixel this many levels redder (or bluer) than the paper is stamp ink
MIN_TINT = 24
#: brightness below which a pixel is dark print, whatever its hue
MIN_VALUE = 70
#: a seal is this many millimetres across (round 公章 38-42 mm, oval invoice seals 40×30, square finance
#: seals 20-25 mm), and at most this elongated
SEAL_MM = (20.0, 65.0)
MAX_ASPECT = 1.7
#: stamp ink closer than this (mm) is one seal: a faint stamp's ring and legend break up
CLOSE_MM = 5.0


def mm(dpi: float, millimetres: float) -> int:
    return max(1, round(millimetres / MM_PER_INCH * dpi))


def stamp_ink(rgb: np.ndarray) -> np.ndarray:
    """Boolean mask of red and blue ink (uint8 RGB H×W×3): pixels that are redder (R over the mean of G and
    B) or bluer than the paper by ``MIN_TINT`` levels, and not dark.  Measured against the paper's own tint
    (the median), so yellowed or tinted paper is not ink; a faint, pale stamp still is."""
    step = max(1, int(np.sqrt(rgb.shape[0] * rgb.shape[1] / 250_000)))
    c = rgb.astype(np.int16)
    r, g, b = c[..., 0], c[..., 1], c[..., 2]
    red = r - (g + b) // 2
    blue = b - (r + g) // 2
    paper_red = float(np.median(red[::step, ::step]))
    paper_blue = float(np.median(blue[::step, ::step]))
    bright = brightest_channel(c) >= MIN_VALUE
    return bright & ((red >= paper_red + MIN_TINT) | (blue >= paper_blue + MIN_TINT))


def seal_regions(ink: np.ndarray, dpi: float) -> list[BBox]:
    """Boxes of the compact blobs of stamp ink of a seal's size."""
    if not ink.any():
        return []
    close = mm(dpi, CLOSE_MM)
    blob = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((close, close), np.uint8))
    n, _lab, stats, _ = cv2.connectedComponentsWithStats(blob, connectivity=8)
    lo, hi = mm(dpi, SEAL_MM[0]), mm(dpi, SEAL_MM[1])
    out = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if not (lo <= max(w, h) <= hi and min(w, h) >= lo / 2) or max(w, h) > MAX_ASPECT * min(w, h):
            continue
        if area < 0.08 * w * h:  # a few scattered dots (red text fragments), not a stamp
            continue
        out.append(BBox(float(x), float(y), float(x + w), float(y + h)))
    return out


def suppress(gray: np.ndarray, rgb: np.ndarray, seals: list[BBox], ink: np.ndarray) -> np.ndarray:
    """``gray`` with the stamp ink inside ``seals`` lightened to its brightest channel (black print kept)."""
    out = gray.copy()
    grow = np.ones((3, 3), np.uint8)
    for b in seals:
        x0, y0, x1, y1 = int(b.x0), int(b.top), int(b.x1), int(b.bottom)
        m = cv2.dilate(ink[y0:y1, x0:x1].astype(np.uint8), grow) > 0  # the ink's anti-aliased rim too
        region = out[y0:y1, x0:x1]
        region[m] = np.maximum(region[m], brightest_channel(rgb[y0:y1, x0:x1])[m])
    return out


def brightest_channel(rgb: np.ndarray) -> np.ndarray:
    """Per pixel, the largest of its three channels: two element-wise maxima of whole channel planes (a
    reduction over the 3-long pixel axis, ``max(axis=2)``, gives the same values eight to sixteen times more
    slowly: 0.2 s a page for a 4-megapixel colour scan)."""
    return np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])


def remove_seals(gray: np.ndarray, rgb: np.ndarray | None, dpi: float) -> tuple[np.ndarray, list[BBox]]:
    """The grey page without its seals' ink, and the seals' boxes ([] and ``gray`` itself for a grey page)."""
    if rgb is None:
        return gray, []
    ink = stamp_ink(rgb)
    seals = seal_regions(ink, dpi)
    if not seals:
        return gray, []
    return suppress(gray, rgb, seals, ink), seals
