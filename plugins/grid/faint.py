"""Faint, dotted and dashed rulings: the ones a binarised ink mask breaks into dashes.

Dot-matrix and pre-printed forms rule their grid in dots, dashes or pale coloured ink; a phone photo adds
uneven light.  Binarising such a page keeps only pieces of each ruling, too short for ``lattice``'s long
opening.  Here each direction is read as a *ridge*: the grey page is averaged along the line direction over a
length that spans a dot's or dash's gap (so a dotted line becomes a continuous, paler line), and a pixel is a
ruling when that average is darker than the averages one ruling width above *and* below it (a thin dark line,
not the edge of a text block or of the paper), relative to the local brightness (local-contrast
normalisation: shading and tinted paper do not matter).  The threshold is tied to the page's own noise.

``grain`` -> ``ridge_response`` -> ``ridge_lines`` (long runs of ridge pixels) -> ``faint_rulings`` (only
the ridge lines the ink mask's rulings do not already explain, so pages ruled in solid lines keep exactly
their rulings).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

#: a ridge is at least this much darker than its surroundings (share of the local brightness) ...
MIN_CONTRAST = 0.04
#: ... and at least this many times the page's own noise of the ridge response
NOISE_FACTOR = 5.0
#: the sides of a ridge are paper: darker than the paper by at most this share of the ridge's own contrast
SIDE_SHARE = 0.5
#: a ridge line whose pixels lie this much or more on the ink mask's rulings adds nothing
EXPLAINED = 0.95
#: a page adds its unexplained ridge lines only when they are at least this share of all its ridge lines: its
#: rulings are printed dotted, dashed or faint.  On a page ruled in solid lines, the few ridges its rulings do
#: not explain are text: the same glyph stroke stacked in consecutive rows (the "1" of 201, 201, ...; the
#: stem of 十一, 十二, ...) reads as a dashed line.
BROKEN_SHARE = 0.2


def grain(ink: np.ndarray) -> int:
    """The page's stroke width in pixels: the most frequent length of the ink's runs across both directions
    (strokes and rulings of one pen; a blurred or upscaled page has a coarser grain)."""
    counts = np.bincount(run_lengths(ink), minlength=3)[:16]
    counts[:2] = 0  # one-pixel runs are noise and edges, not a stroke
    return int(counts.argmax()) if counts.any() else 2


def run_lengths(ink: np.ndarray) -> np.ndarray:
    """Lengths of the ink's runs along every other row and every other column of the page.  Only the window
    holding the ink is looked at (its corner on even coordinates, so the same rows and columns are sampled as
    on the whole page), and each sampled line is closed by a zero on both ends, so the lines are one flat
    array whose runs never join across two lines."""
    m = ink if ink.dtype == np.uint8 else (ink > 0).astype(np.uint8)
    x0, y0, w0, h0 = cv2.boundingRect(m)
    if w0 == 0 or h0 == 0:
        return np.zeros(0, np.intp)
    x0, y0 = x0 - x0 % 2, y0 - y0 % 2
    window = m[y0: y0 + h0 + 1, x0: x0 + w0 + 1] > 0
    lengths = []
    for lines in (window[::2], window[:, ::2].T):  # every other line of each direction is plenty
        padded = np.zeros((lines.shape[0], lines.shape[1] + 2), np.int8)
        padded[:, 1:-1] = lines
        d = np.diff(padded.ravel())
        lengths.append(np.flatnonzero(d == -1) - np.flatnonzero(d == 1))
    return np.concatenate(lengths)


def ridge_response(gray: np.ndarray, paper: np.ndarray, length: int, offset: int, horizontal: bool
                   ) -> np.ndarray:
    """Per pixel, how much darker the page averaged along the line direction over ``length`` pixels is than
    the same average ``offset`` pixels to either side (the darker of the two), as a share of the paper's
    brightness ``paper``; positive on thin dark lines of that direction.  Where that side is itself darker
    than the paper by more than half the line's contrast (inside a text line: a row of digits' baseline,
    left-aligned names' first strokes) the response is zero."""
    s = cv2.blur(gray, (length, 1) if horizontal else (1, length))
    # the darker of the two sides: a grey erosion by a kernel holding just the two side pixels
    kernel = np.zeros(2 * offset + 1, np.uint8)
    kernel[0] = kernel[-1] = 1
    side = cv2.erode(s, kernel[:, None] if horizontal else kernel[None, :], borderType=cv2.BORDER_REPLICATE)
    contrast = side - s
    contrast[paper - side > SIDE_SHARE * contrast] = 0.0
    return contrast / paper


def paper_brightness(gray: np.ndarray, size: int) -> np.ndarray:
    """The paper's brightness around each pixel: the page with every dark mark narrower than ``size`` closed
    (a grey closing: rulings and text gone, shading, tint and a photo's bright glints kept where they are),
    smoothed, at a quarter of the resolution; at least 1."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    k = max(3, size // 4)
    bright = cv2.blur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8)), (k, k))
    return np.maximum(cv2.resize(bright, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR), 1.0)


def threshold(response: np.ndarray) -> float:
    """Ridge threshold: :data:`MIN_CONTRAST`, or more on a noisy page (robust sigma of the response)."""
    sample = response[::4, ::4]
    med = float(np.median(sample))
    sigma = 1.4826 * float(np.median(np.abs(sample - med)))
    return max(MIN_CONTRAST, med + NOISE_FACTOR * sigma)


def ridge_lines(response: np.ndarray, long_kernel: int, horizontal: bool) -> np.ndarray:
    """uint8 mask of ridge pixels that form runs of at least ``long_kernel`` along the direction (a pixel
    across: a line drawn slightly tilted or curved steps from one pixel row to the next)."""
    ridge = (response >= threshold(response)).astype(np.uint8) * 255
    ridge = cv2.dilate(ridge, np.ones((3, 1) if horizontal else (1, 3), np.uint8))
    kernel = np.ones((1, long_kernel) if horizontal else (long_kernel, 1), np.uint8)
    return cv2.morphologyEx(ridge, cv2.MORPH_OPEN, kernel)


def unexplained(lines: np.ndarray, known: Sequence[np.ndarray], slack: int, smear: int, horizontal: bool
                ) -> list[np.ndarray]:
    """For each mask of ``known``: the connected lines of ``lines`` that lie less than :data:`EXPLAINED` on it
    (widened by ``slack`` across), counted over each line's interior: ``smear`` pixels at each end are where
    the average runs past a printed line's end.  Rulings the ink mask missed or broke.  The lines are labelled
    once for all the masks."""
    n, labels = cv2.connectedComponents(lines, connectivity=8)
    if n <= 1:
        return [np.zeros_like(lines) for _ in known]
    along = np.ones((1, 2 * smear + 1) if horizontal else (2 * smear + 1, 1), np.uint8)
    across = np.ones((2 * slack + 1, 1) if horizontal else (1, 2 * slack + 1), np.uint8)
    inner = cv2.erode(lines, along) > 0
    which = labels[inner]
    total = np.bincount(which, minlength=n)
    out = []
    for mask in known:
        near = cv2.dilate(mask.astype(np.uint8), across) > 0
        on = np.bincount(which[near[inner]], minlength=n)
        keep = on < EXPLAINED * total  # a line all smear (no interior) is not kept
        keep[0] = False
        out.append(np.where(keep[labels], 255, 0).astype(np.uint8))
    return out


def inked(ink: np.ndarray, gap: int, slack: int, horizontal: bool) -> np.ndarray:
    """uint8 mask of where a ruling of that direction has ink: the ink with gaps up to ``gap`` along the
    direction closed (a dotted line's dots join, but nothing grows past the last dot: the average's smear
    past a line's end is cut off), widened by ``slack`` across."""
    along = np.ones((1, gap) if horizontal else (gap, 1), np.uint8)
    across = np.ones((2 * slack + 1, 1) if horizontal else (1, 2 * slack + 1), np.uint8)
    return cv2.dilate(cv2.morphologyEx(ink, cv2.MORPH_CLOSE, along), across)


def faint_rulings(gray: np.ndarray, ink: np.ndarray, rulings: tuple[np.ndarray, np.ndarray],
                  coverage: tuple[np.ndarray, np.ndarray], long_kernel: int, long_kernel_v: int, smooth: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Faint, dotted or dashed rulings found as ridges of the grey page averaged over ``smooth`` pixels (at
    least six strokes of the page's grain) along each direction.  Returns uint8 masks (horizontal, vertical,
    horizontal coverage, vertical coverage): the first two hold the ridge lines that neither the ink's
    ``rulings`` (long-kernel masks, small gaps closed) nor its ``coverage`` masks (unbroken runs) explain,
    to add to both; the coverage pair holds the ``rulings`` pixels under ridge lines that only the
    ``rulings`` explain (a dotted line whose small gaps the ruling mask closed), to add to the coverage."""
    w = grain(ink)
    length = max(smooth, 6 * w)
    # at half resolution: the average along the line keeps a dotted line's darkness, and across it a one-pixel
    # ruling keeps half its contrast, well above the threshold; the ruling's position moves by a pixel at most
    h, wd = gray.shape
    size = (wd // 2, h // 2)
    small = cv2.resize(gray.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    half = (length // 2) | 1
    offset = max(2, (w + 3) // 2)
    slack = max(1, (w + 2) // 2)
    paper = paper_brightness(small, 3 * half)
    ink_small = None
    lines = []
    for horizontal, kernel in ((True, long_kernel), (False, long_kernel_v)):
        found = ridge_lines(ridge_response(small, paper, half, offset, horizontal), (kernel + length) // 2,
                            horizontal)
        if found.any():
            if ink_small is None:
                ink_small = (cv2.resize(ink, size, interpolation=cv2.INTER_AREA) > 0).astype(np.uint8) * 255
            found = found & inked(ink_small, 2 * half, slack, horizontal)
        lines.append(found)
    empty = np.zeros(gray.shape, np.uint8)
    total = sum(int(np.count_nonzero(m)) for m in lines)
    if total == 0:  # no ridge lines at all (most pages without a table): nothing to add
        return empty, empty, empty, empty
    missing, broken = [], []
    for k, horizontal in enumerate((True, False)):
        covered = cv2.resize(coverage[k].astype(np.uint8), size, interpolation=cv2.INTER_AREA) > 0
        ruled = cv2.resize(rulings[k].astype(np.uint8), size, interpolation=cv2.INTER_AREA) > 0
        unruled, uncovered = unexplained(lines[k], (ruled | covered, covered), slack, half // 2 + 1, horizontal)
        missing.append(unruled)
        broken.append(uncovered & ~unruled)
    if sum(int(np.count_nonzero(m)) for m in missing + broken) < BROKEN_SHARE * total:
        return empty, empty, empty, empty  # rulings printed solid: the few unexplained ridges are text
    new, cov = [], []
    for k in range(2):
        new.append(cv2.resize(missing[k], (wd, h), interpolation=cv2.INTER_NEAREST))
        near = cv2.dilate(cv2.resize(broken[k], (wd, h), interpolation=cv2.INTER_NEAREST),
                          np.ones((2 * w + 3, 2 * w + 3), np.uint8))
        cov.append(np.where((near > 0) & (rulings[k] > 0), 255, 0).astype(np.uint8))
    return new[0], new[1], cov[0], cov[1]
