"""Page orientation and skew from projection profiles.

Steps (each a small pure function):

1. ``ink_mask``: adaptive threshold of a downscaled page (robust to uneven paper and illumination).
2. ``best_projection_angle``: rotate the *ink point set* (not the image) by candidate angles and keep the angle
   whose row histogram is sharpest (sum of squared bin counts) — text lines and ruling lines concentrate into
   few rows at the right angle.  Coarse 0.25° search over ±``MAX_SKEW``, then a 0.02° refinement.
3. Quarter turns: a page whose column profile is much sharper than its row profile is turned by 90°.
4. Upside-down: a few text-line crops are read by the OCR engine upright and turned 180°; the orientation
   with the clearly higher mean confidence wins.  Decided once per page.  Crops that all read as confident
   CJK text as they are decide "upright" without being turned; the core asks for this step only for a page
   whose own cells did not already read upright (``pipeline.orientation``).

Angles are degrees, counter-clockwise positive as seen on the scan; the page is corrected by rotating it back.
"""

from __future__ import annotations

import math
import threading

import cv2
import numpy as np

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.geometry import quarter_turn, rotate_image
from pipeline.interfaces import OcrEngine
from pipeline.model import PageImage, Rotation, SkewEstimate
from pipeline.orientation import lines_read_upright

MAX_SKEW = 10.0
WORK_SIZE = 1600  # longest side of the downscaled working image, pixels
MAX_POINTS = 250_000


def downscale(gray: np.ndarray, size: int = WORK_SIZE) -> tuple[np.ndarray, float]:
    """Return the image shrunk so its longest side is at most ``size`` pixels, and the factor used."""
    f = min(1.0, size / max(gray.shape))
    if f >= 1.0:
        return gray, 1.0
    return cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), f


def ink_mask(gray: np.ndarray, block: int = 31, offset: int = 15) -> np.ndarray:
    """Boolean mask of dark ink: pixels clearly darker than their neighbourhood."""
    mask = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, offset)
    return mask > 0


def _points(mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.nonzero(mask)
    if len(xs) > MAX_POINTS:
        idx = rng.choice(len(xs), MAX_POINTS, replace=False)
        xs, ys = xs[idx], ys[idx]
    cx, cy = mask.shape[1] / 2.0, mask.shape[0] / 2.0
    return xs.astype(np.float64) - cx, ys.astype(np.float64) - cy


Work = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def profile_sharpness(xs: np.ndarray, ys: np.ndarray, angle: float, work: Work | None = None) -> float:
    """Sharpness of the row histogram after rotating points by ``-angle`` (undoing a ccw skew of ``angle``).
    ``work`` (``_work``): two float64 and one int64 array of the points' length to compute in, and the points
    that can be the lowest after a rotation by up to the angles searched; a search evaluates a hundred angles,
    and fresh page-sized temporaries for each cost more in page faults than the arithmetic (measured: x4 on
    the coarse search)."""
    yr, tmp, rows, band_x, band_y = work if work is not None else _work(xs, ys, abs(angle))
    a = math.radians(angle)
    cos_a, sin_a = math.cos(a), math.sin(a)
    # image y points down: a ccw rotation by a maps (x, y) -> (x cos a + y sin a, -x sin a + y cos a);
    # undoing it gives y' = y cos a + x sin a
    # in place, the same floats as ys * cos a + xs * sin a; the integer dot is exact (counts < 2**26)
    np.multiply(ys, cos_a, out=yr)
    np.multiply(xs, sin_a, out=tmp)
    yr += tmp
    yr -= (band_y * cos_a + band_x * sin_a).min()  # the same floats as yr.min(), from the few candidates
    np.round(yr, out=yr)
    rows[...] = yr  # whole non-negative numbers: the same integers as astype
    h = np.bincount(rows)
    return float(np.dot(h, h))


def _work(xs: np.ndarray, ys: np.ndarray, max_angle: float) -> Work:
    """Buffers for ``profile_sharpness`` over angles up to ``max_angle`` degrees either way, and the points
    that can be the lowest after such a rotation: a point more than the set's width × tan(angle) below the
    topmost one never is (one pixel more for rounding), so the minimum is taken over a thin top band."""
    n = len(xs)
    if n == 0:
        return np.empty(0), np.empty(0), np.empty(0, np.int64), xs, ys
    reach = float(xs.max() - xs.min()) * math.tan(math.radians(min(max_angle, 89.0))) + 1.0
    band = ys <= ys.min() + reach
    return np.empty(n), np.empty(n), np.empty(n, np.int64), xs[band], ys[band]


def coarse_search(xs: np.ndarray, ys: np.ndarray, lo: float = -MAX_SKEW, hi: float = MAX_SKEW,
                  step: float = 0.25) -> tuple[float, float]:
    """The angle of the sharpest row profile on a ``step`` grid over [lo, hi], and a 0..1 peak contrast."""
    grid = np.arange(lo, hi + 1e-9, step)
    work = _work(xs, ys, max(abs(lo), abs(hi)))
    scores = np.array([profile_sharpness(xs, ys, a, work) for a in grid])
    best = float(grid[int(np.argmax(scores))])
    return best, float(1.0 - np.median(scores) / max(scores.max(), 1e-9))


def fine_search(xs: np.ndarray, ys: np.ndarray, best: float, coarse: float = 0.25, fine: float = 0.02) -> float:
    """The sharpest angle on a ``fine`` grid within one coarse step of ``best``."""
    fine_grid = np.arange(best - coarse, best + coarse + 1e-9, fine)
    work = _work(xs, ys, abs(best) + coarse + fine)
    fine_scores = np.array([profile_sharpness(xs, ys, a, work) for a in fine_grid])
    return float(fine_grid[int(np.argmax(fine_scores))])


def best_projection_angle(xs: np.ndarray, ys: np.ndarray, lo: float = -MAX_SKEW, hi: float = MAX_SKEW,
                          coarse: float = 0.25, fine: float = 0.02) -> tuple[float, float]:
    """Angle in [lo, hi] with the sharpest row profile, and a 0..1 peak contrast."""
    if len(xs) < 50:
        return 0.0, 0.0
    best, contrast = coarse_search(xs, ys, lo, hi, coarse)
    return fine_search(xs, ys, best, coarse, fine), contrast


def text_line_crops(gray: np.ndarray, max_crops: int = 8) -> list[np.ndarray]:
    """Crops of a few text-line segments of an upright, deskewed page, for the orientation vote."""
    small, f = downscale(gray, 1600)
    mask = ink_mask(small)
    # remove long ruling lines so table text lines are found too
    h_lines = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((1, 40), np.uint8))
    v_lines = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((40, 1), np.uint8))
    text = mask & ~(h_lines > 0) & ~(v_lines > 0)
    blobs = cv2.dilate(text.astype(np.uint8), np.ones((3, 9), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    cands = []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if 8 <= h <= 60 and w >= 2.5 * h and w <= 25 * h:
            cands.append((int(w * h), x, y, w, h))
    cands.sort(reverse=True)
    crops = []
    for _, x, y, w, h in cands[:max_crops]:
        pad = max(2, h // 4)
        x0, y0 = max(0, int((x - pad) / f)), max(0, int((y - pad) / f))
        x1, y1 = min(gray.shape[1], int((x + w + pad) / f)), min(gray.shape[0], int((y + h + pad) / f))
        crops.append(gray[y0:y1, x0:x1])
    return crops


#: Crops read first in the orientation vote; the rest only when those do not decide clearly.
FIRST_CROPS = 4
#: A vote over the first crops decides when they all agree and the confidence margin is at least this.
CLEAR_MARGIN = 0.3
#: The first this many crops, read as they are, decide "upright" without a turned reading when every one is a
#: confidently read CJK line (``pipeline.orientation.lines_read_upright``)
MIN_UPRIGHT_CROPS = 3
#: that reading is of the first part of each crop (``line_head``), at most this many times as wide as high:
#: about five CJK characters.  On the corpus (130 pages and 4 real scans, each also turned by 180°) heads this
#: short read upright lines at >= 0.999 and upside-down ones at <= 0.9 (or as fewer than two CJK characters),
#: the same separation as heads twice as long, at less than half the recognition work
HEAD_ASPECT = 5.0


def line_head(crop: np.ndarray, aspect: float = HEAD_ASPECT) -> np.ndarray:
    """The first part of a long text-line crop, at most ``aspect`` times as wide as high, cut at the
    emptiest column of its last 30% (between two characters): enough characters to show that the line reads
    upright, at a fraction of the recognition work of the whole line."""
    h, w = crop.shape[:2]
    limit = int(aspect * h)
    if w <= limit:
        return crop
    ink = (crop < float(np.percentile(crop, 90)) - 40).sum(axis=0)
    start = int(0.7 * limit)
    return crop[:, : start + int(np.argmin(ink[start:limit])) + 1]


def _line_scores(crops: list[np.ndarray], engine: OcrEngine) -> tuple[np.ndarray, np.ndarray]:
    """Reading quality of each crop as it is and turned by 180° (confidence × √length)."""
    turned = [np.ascontiguousarray(c[::-1, ::-1]) for c in crops]
    results = engine.recognize_lines(list(crops) + turned)
    n = len(crops)
    up = np.array([r.confidence * max(len(r.text), 1) ** 0.5 for r in results[:n]])
    down = np.array([r.confidence * max(len(r.text), 1) ** 0.5 for r in results[n:]])
    return up, down


def _margin(up: np.ndarray, down: np.ndarray) -> float:
    return float(np.mean(down) - np.mean(up)) / max(float(np.mean(up)), 1e-6)


def upside_down_vote(crops: list[np.ndarray], engine: OcrEngine) -> tuple[bool, float]:
    """True when the crops read clearly better turned by 180°; with the confidence margin.  The first
    ``FIRST_CROPS`` crops are read both ways; the others only when those are not unanimous and clear (on the
    corpus every page was decided the same way by 4 crops as by 8, at half the recognition work)."""
    if not crops:
        return False, 0.0
    if len(crops) >= MIN_UPRIGHT_CROPS and lines_read_upright(
            engine.recognize_lines([line_head(c) for c in crops[:MIN_UPRIGHT_CROPS]]), MIN_UPRIGHT_CROPS):
        return False, 1.0  # CJK lines read with confidence as they are: upright, no need to turn them
    up, down = _line_scores(crops[:FIRST_CROPS], engine)
    unanimous = bool(np.all(down > up) or np.all(down < up))
    if len(crops) > FIRST_CROPS and not (unanimous and abs(_margin(up, down)) >= CLEAR_MARGIN):
        up2, down2 = _line_scores(crops[FIRST_CROPS:], engine)
        up, down = np.concatenate([up, up2]), np.concatenate([down, down2])
    margin = _margin(up, down)
    wins_down = int(np.sum(down > up))
    return bool(wins_down * 2 > len(up) and margin > 0.05), abs(margin)


def projection_estimate(gray: np.ndarray) -> tuple[int, float, float]:
    """Quarter turn (0 or 90), skew angle and profile contrast of a page from its ink alone (steps 1-3);
    a rotation of -1 marks a blank page."""
    small, _ = downscale(gray)
    mask = ink_mask(small)
    rng = np.random.default_rng(0)
    xs, ys = _points(mask, rng)
    if len(xs) < 200:  # blank page
        return -1, 0.0, 0.0
    # the row profile, and for 90° turns the column profile (points swapped); only the direction chosen needs
    # the fine search (the same angle as ``best_projection_angle`` at a quarter less work)
    best, contrast = coarse_search(xs, ys)
    best_t, contrast_t = coarse_search(ys, -xs)
    if contrast_t > contrast * 1.25 and contrast_t > 0.3:
        return 90, fine_search(ys, -xs, best_t), max(contrast, contrast_t)
    return 0, fine_search(xs, ys, best), max(contrast, contrast_t)


#: the last pages' projection estimates: the core asks twice for a page whose cells do not read clearly
#: upright (first without an engine, then with one for the upside-down vote); pages are read-only arrays.  Three
#: pages: the next two pages' first estimates may be made on the look-ahead threads (``pipeline.lookahead``)
#: before this page's vote.  Looking up reads one snapshot; storing is locked (two look-ahead threads store)
_LAST: list[tuple[np.ndarray, tuple[int, float, float]]] = []
_KEEP = 3
_LAST_LOCK = threading.Lock()


def _projection_once(gray: np.ndarray) -> tuple[int, float, float]:
    for seen, result in list(_LAST):  # one snapshot: another thread may replace the list's items meanwhile
        if seen is gray:
            return result
    result = projection_estimate(gray)
    with _LAST_LOCK:
        _LAST[:] = [(gray, result), *(item for item in _LAST if item[0] is not gray)][:_KEEP]
    return result


def estimate(gray: np.ndarray, engine: OcrEngine | None = None) -> SkewEstimate:
    """Quarter-turn rotation and residual skew of a page (see module docstring); without ``engine`` no
    upside-down vote (step 4)."""
    rotation, angle, contrast = _projection_once(gray)
    if rotation < 0:  # blank page
        return SkewEstimate(rotation=0, skew=0.0, confidence=0.0)
    if engine is not None:
        upright = rotate_image(quarter_turn(gray, rotation), -angle)
        flipped, _margin = upside_down_vote(text_line_crops(upright), engine)
        if flipped:
            rotation = (rotation + 180) % 360
    rot: Rotation = rotation  # type: ignore[assignment]
    return SkewEstimate(rotation=rot, skew=round(angle, 2), confidence=contrast)


@hookimpl(trylast=True)
def estimate_orientation(page: PageImage, engine: OcrEngine | None, config: PipelineConfig) -> SkewEstimate:
    return estimate(page.gray, engine)
