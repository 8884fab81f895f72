"""A photographed table's own outline: the perspective its sheet's outline left, taken out.

``perspective`` rectifies a photo from the sheet's outline.  When that outline is not the paper's (a photo
turned in a gallery app sits on a white canvas, whose corners are found instead; a stack of sheets, a curled
corner), the rectified page keeps a keystone: vertical rulings lean by several degrees, and the grid's
axis-aligned openings find none of them.  A ruled table's outer border is a better quadrilateral: four long
printed lines.

``line_segments`` (a reduced copy's line segments, OpenCV's LSD) -> ``dark_lines`` (only thin dark lines:
a printed ruling, not the step of a paper edge) -> ``families`` (two directions, each line with its offset and
drawn length) -> ``outline_quad`` (the outermost long ruling of each side, intersected) -> ``outline_homography``
(onto the axis-aligned rectangle of the same size and centre; None when the outline already has right
angles).  Only for photographed pages: a scan's table is a rectangle as printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

#: the reduced copy's longest side
WORK_SIDE = 1000
#: a segment shorter than this share of the copy's longest side is not a table border
MIN_SEGMENT = 0.05
#: a border line drawn (its segments' total length) over at least this share of the opposite side's length
MIN_DRAWN = 0.5
#: two segments are one line when their directions differ less than this (degrees) ...
SAME_ANGLE = 3.0
#: ... and their offsets less than this share of the copy's longest side
SAME_OFFSET = 0.006
#: directions of one family lie within this (degrees) of its mean: perspective spreads a family's angles
FAMILY_SPREAD = 15.0
#: an outline whose corners all lie within this of a right angle (degrees) needs nothing
MIN_CORNER_DEG = 1.0
#: the longest lines of each family tried as the outline's sides
MAX_LINES = 16
#: the outline covers at least this share of the page (a table, not a box in a corner)
MIN_AREA = 0.15


def line_segments(small: np.ndarray) -> np.ndarray:
    """N×4 (x0, y0, x1, y1) line segments of a grey image (LSD), long ones only."""
    found = cv2.createLineSegmentDetector().detect(small)[0]
    if found is None:
        return np.zeros((0, 4), np.float32)
    seg = found.reshape(-1, 4)
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    return seg[length >= MIN_SEGMENT * max(small.shape)]


def dark_lines(small: np.ndarray, seg: np.ndarray, reach: float = 3.0) -> np.ndarray:
    """The segments that lie on a thin dark line: along the segment, darker than ``reach`` pixels to either
    side (LSD also returns each side of a line, and the step of a paper edge; both have paper on one side
    only)."""
    keep = []
    h, w = small.shape
    for x0, y0, x1, y1 in seg:
        n = max(2, int(math.hypot(x1 - x0, y1 - y0) // 2))
        t = np.linspace(0.1, 0.9, n)
        xs, ys = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        nx, ny = -(y1 - y0), x1 - x0
        norm = math.hypot(nx, ny) or 1.0
        nx, ny = nx / norm, ny / norm
        best = None
        for shift in (-1.5, -0.75, 0.0, 0.75, 1.5):  # LSD's segment lies on one side of a line's core
            cx, cy = xs + shift * nx, ys + shift * ny
            core = sample(small, cx, cy, w, h)
            sides = np.minimum(sample(small, cx + reach * nx, cy + reach * ny, w, h),
                               sample(small, cx - reach * nx, cy - reach * ny, w, h))
            score = float(np.median(sides - core))
            best = score if best is None else max(best, score)
        keep.append(best is not None and best >= 6.0)
    return seg[np.array(keep, bool)] if len(seg) else seg


def sample(img: np.ndarray, xs: np.ndarray, ys: np.ndarray, w: int, h: int) -> np.ndarray:
    """Grey values at (xs, ys), nearest pixel, clamped to the image."""
    xi = np.clip(np.rint(xs).astype(int), 0, w - 1)
    yi = np.clip(np.rint(ys).astype(int), 0, h - 1)
    return img[yi, xi].astype(np.float32)


@dataclass(frozen=True)
class Line:
    """A straight line of a family: ``angle`` (degrees, continuous about the family's direction), ``offset``
    along its normal, ``length`` drawn (its segments' total) and the drawn extent [lo, hi] along it."""

    angle: float
    offset: float
    length: float
    lo: float
    hi: float


def families(seg: np.ndarray) -> list[list[Line]]:
    """The segments as two families of lines (the one nearer horizontal first), segments on one line merged."""
    if len(seg) == 0:
        return [[], []]
    dx, dy = seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]
    ang = np.degrees(np.arctan2(dy, dx)) % 180.0
    length = np.hypot(dx, dy)
    out = []
    for centre in (0.0, 90.0):
        diff = (ang - centre + 90.0) % 180.0 - 90.0
        member = np.abs(diff) <= 45.0
        if not member.any():
            out.append([])
            continue
        mean = float(np.average(diff[member], weights=length[member]))
        member &= np.abs(diff - mean) <= FAMILY_SPREAD
        lines = []
        for i in np.flatnonzero(member):
            deg = centre + float(diff[i])  # continuous about the family's direction (-4°, not 176°)
            a = math.radians(deg)
            c, s_ = math.cos(a), math.sin(a)
            x0, y0, x1, y1 = (float(v) for v in seg[i])
            t0, t1 = x0 * c + y0 * s_, x1 * c + y1 * s_
            lines.append(Line(deg, (-(x0 + x1) * s_ + (y0 + y1) * c) / 2, float(length[i]), min(t0, t1),
                              max(t0, t1)))
        out.append(merge_lines(lines))
    return out


def merge_lines(lines: list[Line]) -> list[Line]:
    """Collinear segments (close angle and offset) joined into one line, length-weighted."""
    merged: list[Line] = []
    for ln in sorted(lines, key=lambda v: v.offset):
        for k, m in enumerate(merged):
            if abs(m.angle - ln.angle) < SAME_ANGLE and abs(m.offset - ln.offset) < SAME_OFFSET * WORK_SIDE:
                w = m.length + ln.length
                merged[k] = Line((m.angle * m.length + ln.angle * ln.length) / w,
                                 (m.offset * m.length + ln.offset * ln.length) / w, w,
                                 min(m.lo, ln.lo), max(m.hi, ln.hi))
                break
        else:
            merged.append(ln)
    return merged


def intersect(l1: Line, l2: Line) -> np.ndarray | None:
    """The point where two lines meet."""
    a1, a2 = math.radians(l1.angle), math.radians(l2.angle)
    m = np.array([[-math.sin(a1), math.cos(a1)], [-math.sin(a2), math.cos(a2)]])
    if abs(np.linalg.det(m)) < 1e-6:
        return None
    return np.linalg.solve(m, np.array([l1.offset, l2.offset]))


def along(line: Line, point: np.ndarray) -> float:
    """Position of ``point`` along ``line``'s direction."""
    a = math.radians(line.angle)
    return float(point[0] * math.cos(a) + point[1] * math.sin(a))


def bounded(line: Line, p: np.ndarray, q: np.ndarray, tol: float) -> bool:
    """Is ``line`` drawn from corner to corner of its side p..q (over at least :data:`MIN_DRAWN` of it) and
    nowhere past them?  A table's border starts and stops at the perpendicular borders; a paper edge or the
    gap in a stack of sheets runs on past the table."""
    lo, hi = sorted((along(line, p), along(line, q)))
    return (abs(line.lo - lo) <= tol and abs(line.hi - hi) <= tol
            and line.length >= MIN_DRAWN * (hi - lo))


def outline_quad(small: np.ndarray) -> np.ndarray | None:
    """Corners (top-left, top-right, bottom-right, bottom-left; reduced copy's pixels) of the largest table
    outline: two lines of each family, each bounded by the other two, the largest such quadrilateral."""
    rows, cols = families(dark_lines(small, line_segments(small)))
    h, w = small.shape
    rows = sorted(sorted((r for r in rows if r.length >= 0.15 * w), key=lambda r: -r.length)[:MAX_LINES],
                  key=lambda r: r.offset)
    cols = sorted(sorted((c for c in cols if c.length >= 0.15 * h), key=lambda c: -c.length)[:MAX_LINES],
                  key=lambda c: c.offset)
    tol = 0.03 * max(h, w)
    best, best_area = None, MIN_AREA * h * w
    for i, top in enumerate(rows):
        for bottom in rows[i + 1:]:
            for j, right in enumerate(cols):  # columns' normal points left: the larger offset is the left
                for left in cols[j + 1:]:
                    corners = [intersect(top, left), intersect(top, right), intersect(bottom, right),
                               intersect(bottom, left)]
                    if any(c is None for c in corners):
                        continue
                    quad = np.array(corners, np.float64)
                    area = cv2.contourArea(quad.astype(np.float32))
                    if area <= best_area or (quad < -tol).any() or (quad[:, 0] > w + tol).any() \
                            or (quad[:, 1] > h + tol).any():
                        continue
                    tl, tr, br, bl = quad
                    if bounded(top, tl, tr, tol) and bounded(bottom, bl, br, tol) \
                            and bounded(left, tl, bl, tol) and bounded(right, tr, br, tol):
                        best, best_area = quad, area
    return best


def corner_angles(quad: np.ndarray) -> list[float]:
    """Interior angles (degrees) of a quadrilateral."""
    out = []
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cosang = float(np.dot(u, v) / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-9))
        out.append(math.degrees(math.acos(max(-1.0, min(1.0, cosang)))))
    return out


def outline_homography(gray: np.ndarray) -> np.ndarray | None:
    """3×3 homography (page pixels -> page pixels) that makes the largest table's outline an axis-aligned
    rectangle of its own mean size about its own centre, or None when it already is one (or none is found)."""
    f = min(1.0, WORK_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    quad = outline_quad(small)
    if quad is None or max(abs(a - 90.0) for a in corner_angles(quad)) < MIN_CORNER_DEG:
        return None
    quad = quad / f
    width = (np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
    height = (np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
    cx, cy = quad.mean(axis=0)
    dst = np.array([[cx - width / 2, cy - height / 2], [cx + width / 2, cy - height / 2],
                    [cx + width / 2, cy + height / 2], [cx - width / 2, cy + height / 2]])
    return cv2.getPerspectiveTransform(quad.astype(np.float32), dst.astype(np.float32))


def apply(gray: np.ndarray, rgb: np.ndarray | None, hmat: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``gray`` (and ``rgb``) warped by ``hmat``, same size, the uncovered border the paper's colour (a flat
    fill: a repeated edge would draw streaks that read as rulings)."""
    h, w = gray.shape
    paper = float(np.percentile(gray[::4, ::4], 90))
    out = cv2.warpPerspective(gray, hmat, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                              borderValue=paper)
    colour = None
    if rgb is not None:
        fill = tuple(float(np.percentile(rgb[::4, ::4, k], 90)) for k in range(rgb.shape[2]))
        colour = cv2.warpPerspective(rgb, hmat, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                     borderValue=fill)
    return out, colour
