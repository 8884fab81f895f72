"""Photographed pages: the sheet of paper found against its background and rectified by a homography.

``paper_quad`` (on a reduced copy: the brightest large region, Otsu-thresholded, is the paper — or, for tinted
paper on a lighter or similar background, the region most unlike the image's border colour; its convex hull
simplified to four corners) -> ``order_corners`` (top-left, top-right, bottom-right, bottom-left, starting
from the corner that makes the least rotation: a quarter turn is left to the orientation estimate) ->
``rectify`` (homography onto an axis-aligned rectangle as large as the sheet's sides, cropping the
background away).  A scan, where the paper fills the image, is left alone (``paper_quad`` returns None when
the paper covers more than ``MAX_PAPER_SHARE`` of the image or is not a clear quadrilateral).

When the sheet's sides have the proportions of an ISO A sheet (√2), its resolution follows from the A4 size,
so the page's dpi (which a phone photo does not state) is set from it.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

#: a paper region covering more of the image than this is a scan (nothing to rectify)
MAX_PAPER_SHARE = 0.9
#: ... and one covering less is no sheet at all
MIN_PAPER_SHARE = 0.2
#: a sheet whose corners all lie within this share of the image's corners fills the image (a scan)
MIN_INSET = 0.03
#: the background outside the sheet is at most this share of the paper's brightness
BACKGROUND_DARKER = 0.8
#: a photo's sheet differs from its border (background) by at least this (Lab units or grey levels, 95th pct)
MIN_BORDER_CONTRAST = 18.0
#: ... and its outline is seen at an angle (a scan's shaded table is a rectangle skewed a few degrees at most)
MIN_PERSPECTIVE_DEG = 2.5
MIN_TURN_DEG = 4.0
#: a sheet's outline is an edge: this many grey levels across it (a lighting falloff is far less)
MIN_EDGE_STEP = 10.0
#: the reduced copy's longest side
WORK_SIDE = 800
A4_LONG_INCH = 297.0 / 25.4
#: a photographed A sheet of lower resolution is enlarged to this (the working resolution of scans: grid and
#: cell scales assume print sizes at it)
MIN_DPI = 200.0


def paper_quad(gray: np.ndarray, rgb: np.ndarray | None = None) -> np.ndarray | None:
    """Four corners (4×2 float, image pixels) of the sheet photographed on a background, or None.  First the
    sheet as the brightest large region on a darker background; failing that, the sheet as the large region
    that differs most from the image's border (``border_contrast``): tinted paper on a lighter table, a low
    contrast background."""
    h, w = gray.shape
    f = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    small = cv2.GaussianBlur(small, (0, 0), 2.0)
    quad, brighter = sheet_region(small), True
    if quad is None:
        colour = None if rgb is None else cv2.resize(rgb, (small.shape[1], small.shape[0]),
                                                     interpolation=cv2.INTER_AREA)
        dist = border_contrast(small, colour)
        if dist is not None:
            quad = sheet_region(np.clip(dist * (255.0 / max(float(dist.max()), 1e-6)), 0, 255).astype(np.uint8))
            if quad is not None and not (unlike_border(dist, quad) and looks_photographed(quad)):
                quad = None
            if quad is not None:
                inside = np.zeros(small.shape, np.uint8)
                cv2.fillConvexPoly(inside, quad.astype(np.int32), 1)
                brighter = bool(np.median(small[inside > 0]) >= np.median(small[inside == 0]))
    if quad is None or not sharp_outline(small, quad):
        return None
    return refine_quad(gray, quad.astype(np.float64) / f, 4.0 / f + 4.0, brighter)


def sharp_outline(small: np.ndarray, quad: np.ndarray, reach: float = 3.0) -> bool:
    """Is the outline a sheet's edge: a step of at least :data:`MIN_EDGE_STEP` grey levels within
    ``reach`` pixels across its sides (median along them)?  Uneven light on a page that fills the frame (a
    bright side, a dim corner) splits it into a bright and a dark region too, but their boundary is a gradual
    falloff, not an edge."""
    h, w = small.shape
    centre = quad.mean(axis=0)
    steps = []
    for k in range(4):
        a, b = quad[k].astype(np.float64), quad[(k + 1) % 4].astype(np.float64)
        d = (b - a) / max(float(np.linalg.norm(b - a)), 1e-9)
        n = np.array([d[1], -d[0]])
        if np.dot((a + b) / 2 - centre, n) < 0:
            n = -n  # outwards
        for t in np.linspace(0.1, 0.9, 32):
            p = a + t * (b - a)
            (xi, yi), (xo, yo) = np.rint(p - reach * n).astype(int), np.rint(p + reach * n).astype(int)
            if 0 <= xi < w and 0 <= yi < h and 0 <= xo < w and 0 <= yo < h:
                steps.append(abs(float(small[yi, xi]) - float(small[yo, xo])))
    return not steps or float(np.median(steps)) >= MIN_EDGE_STEP


def border_contrast(small: np.ndarray, colour: np.ndarray | None) -> np.ndarray | None:
    """Each pixel's distance from the colour of the image's border (the background a photo shows around the
    sheet): Lab distance when colour is given, grey difference otherwise; None when nothing differs much."""
    img = (cv2.cvtColor(cv2.GaussianBlur(colour, (0, 0), 2.0), cv2.COLOR_RGB2LAB).astype(np.float32)
           if colour is not None else small.astype(np.float32)[..., None])
    b = max(2, round(0.02 * max(small.shape)))
    border = np.concatenate([img[:b].reshape(-1, img.shape[2]), img[-b:].reshape(-1, img.shape[2]),
                             img[:, :b].reshape(-1, img.shape[2]), img[:, -b:].reshape(-1, img.shape[2])])
    ref = np.median(border, axis=0)
    dist = np.linalg.norm(img - ref, axis=2)
    if float(np.percentile(dist, 95)) < MIN_BORDER_CONTRAST:
        return None
    return dist


def unlike_border(dist: np.ndarray, quad: np.ndarray) -> bool:
    """Is the sheet itself (not only its print) unlike the border: the median inside ``quad`` differs by
    ``MIN_BORDER_CONTRAST`` and the outside is mostly like the border?  A scan's paper is its border's colour:
    a table's print found as a region is no sheet."""
    inside = np.zeros(dist.shape, np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 1)
    inner = float(np.median(dist[inside > 0]))
    outer = float(np.median(dist[inside == 0]))
    return inner >= MIN_BORDER_CONTRAST and outer < 0.5 * inner


def looks_photographed(quad: np.ndarray) -> bool:
    """Is the outline seen at an angle: opposite sides converge by ``MIN_PERSPECTIVE_DEG`` or the whole is
    turned ``MIN_TURN_DEG`` off the axes?  A scanned page whose table is shaded (a tinted region on white
    paper, like tinted paper on a white table) has a rectangular, barely skewed outline."""
    def angle(a: np.ndarray, b: np.ndarray) -> float:
        d = b - a
        return math.degrees(math.atan2(float(d[1]), float(d[0])))

    c = order_corners(quad.astype(np.float64))
    top, bottom = angle(c[0], c[1]), angle(c[3], c[2])
    left, right = angle(c[0], c[3]), angle(c[1], c[2])
    converge = max(abs(top - bottom), abs(left - right))
    turn = abs((top + bottom) / 2)
    return converge >= MIN_PERSPECTIVE_DEG or turn >= MIN_TURN_DEG


def sheet_region(img: np.ndarray) -> np.ndarray | None:
    """Corners (reduced-copy pixels) of the largest bright region of ``img`` (Otsu), when it is a clear
    quadrilateral with a background visible around it in ``img``."""
    _t, bright = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if n < 2:
        return None
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    share = stats[i, cv2.CC_STAT_AREA] / float(img.size)
    if not MIN_PAPER_SHARE <= share <= MAX_PAPER_SHARE:
        return None
    contours, _ = cv2.findContours((lab == i).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    peri = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            break
    else:
        return None
    if cv2.contourArea(approx.astype(np.float32)) < 0.85 * cv2.contourArea(hull.astype(np.float32)):
        return None  # the four corners miss much of the region: not a sheet's outline
    if not background_visible(img, approx.reshape(4, 2)):
        return None  # a scan whose dense print broke the paper region up: the sheet is the whole image
    return approx.reshape(4, 2)


def background_visible(small: np.ndarray, quad: np.ndarray) -> bool:
    """Whether the image outside ``quad`` is a background: some corner of the quad lies well inside the
    image (the sheet does not fill it) and the outside is clearly darker than the sheet."""
    h, w = small.shape
    frame = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    inset = min(np.min(np.linalg.norm(frame - c, axis=1)) for c in quad.astype(np.float32))
    far = max(np.min(np.linalg.norm(frame - c, axis=1)) for c in quad.astype(np.float32))
    if far < MIN_INSET * max(h, w) and inset < MIN_INSET * max(h, w):
        return False
    inside = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 1)
    if inside.all():
        return False
    paper = float(np.median(small[inside > 0]))
    outside = float(np.median(small[inside == 0]))
    return outside < BACKGROUND_DARKER * paper


def refine_quad(gray: np.ndarray, quad: np.ndarray, reach: float, brighter: bool = True) -> np.ndarray:
    """The corners of ``quad`` (found on a reduced copy) made precise on the full image: along each side, the
    strongest bright-to-dark step outwards (dark-to-bright when the paper is not ``brighter`` than its
    background) within ``reach`` pixels is the paper's edge; a robust line through
    those points per side, and the corners where neighbouring lines meet."""
    h, w = gray.shape
    smooth = cv2.GaussianBlur(gray, (0, 0), 1.2).astype(np.float32)
    centre = quad.mean(axis=0)
    lines = []
    offsets = np.arange(-reach, reach + 1, 1.0)
    for k in range(4):
        a, b = quad[k], quad[(k + 1) % 4]
        d = (b - a) / max(np.linalg.norm(b - a), 1e-9)
        n = np.array([d[1], -d[0]])
        if np.dot((a + b) / 2 - centre, n) < 0:
            n = -n  # outwards
        pts = []
        for t in np.linspace(0.08, 0.92, 48):
            p = a + t * (b - a)
            xs, ys = p[0] + offsets * n[0], p[1] + offsets * n[1]
            ok = (xs >= 0) & (xs < w - 1) & (ys >= 0) & (ys < h - 1)
            if ok.sum() < len(offsets) // 2:
                continue
            prof = cv2.remap(smooth, xs[ok].astype(np.float32)[None, :], ys[ok].astype(np.float32)[None, :],
                             cv2.INTER_LINEAR)[0]
            step = prof[:-2] - prof[2:]  # bright (inside) to dark (outside) going outwards
            if not brighter:
                step = -step
            j = int(np.argmax(step))
            if step[j] > 12:
                off = offsets[ok][j + 1]
                pts.append(p + off * n)
        if len(pts) < 8:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(np.float32(pts), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    out = []
    for k in range(4):
        (p1, d1), (p2, d2) = lines[k - 1], lines[k]
        m = np.array([d1, -d2]).T
        if abs(np.linalg.det(m)) < 1e-6:
            return quad
        t = np.linalg.solve(m, p2 - p1)
        out.append(p1 + t[0] * d1)
    refined = np.array(out)
    return refined if np.abs(refined - quad).max() <= 2 * reach else quad


def order_corners(quad: np.ndarray) -> np.ndarray:
    """Corners in the order top-left, top-right, bottom-right, bottom-left of the rectified page, choosing
    among the four cyclic orders the one whose top side is nearest to horizontal (least rotation)."""
    c = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - c[1], quad[:, 0] - c[0])
    ring = quad[np.argsort(angles)]  # clockwise on screen (y down)
    best, best_tilt = ring, math.inf
    for k in range(4):
        cand = np.roll(ring, -k, axis=0)
        dx, dy = cand[1] - cand[0]
        tilt = abs(math.atan2(dy, dx))
        if dx > 0 and tilt < best_tilt:
            best, best_tilt = cand, tilt
    return best


def target_size(corners: np.ndarray) -> tuple[int, int]:
    """Width and height of the rectified sheet: its longer opposite sides."""
    tl, tr, br, bl = corners
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    return round(width), round(height)


def rectify(gray: np.ndarray, rgb: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, float | None] | None:
    """The sheet cut out of a photo and made rectangular (grey, colour when given), the 3×3 homography from
    the photo's pixels to the rectified page's, and the page's dpi when the sheet has A proportions (then
    enlarged to at least ``MIN_DPI``); None when the image is not a photographed sheet."""
    quad = paper_quad(gray, rgb)
    if quad is None:
        return None
    corners = order_corners(quad)
    w, h = target_size(corners)
    dpi = sheet_dpi(w, h)
    if dpi is not None and dpi < MIN_DPI:
        w, h, dpi = round(w * MIN_DPI / dpi), round(h * MIN_DPI / dpi), MIN_DPI
    dst = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    hmat = cv2.getPerspectiveTransform(corners.astype(np.float32), dst)
    paper = int(np.percentile(gray, 90))
    out = cv2.warpPerspective(gray, hmat, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                              borderValue=paper)
    col = None
    if rgb is not None:
        col = cv2.warpPerspective(rgb, hmat, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out, col, hmat, dpi


def sheet_dpi(width: int, height: int) -> float | None:
    """The resolution of a rectified sheet with ISO A proportions (taken as A4), else None."""
    long, short = max(width, height), min(width, height)
    if short <= 0 or abs(long / short - math.sqrt(2)) > 0.08 * math.sqrt(2):
        return None
    return long / A4_LONG_INCH
