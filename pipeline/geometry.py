"""Image geometry shared by the core and plugins: quarter turns and small-angle rotation.

Angles are degrees, counter-clockwise positive as seen on screen (y down)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import cv2
import numpy as np

from pipeline.model import BBox, PageChar


def em(dpi: float) -> float:
    """Body text height in pixels at ``dpi`` (10.5 pt, the disclosures' body type): the unit of the size
    thresholds of the grid, cell and text-layer rules."""
    return 10.5 / 72.0 * dpi


def quarter_turn(gray: np.ndarray, rotation: int) -> np.ndarray:
    """Turn the page counter-clockwise by ``rotation`` (0/90/180/270) degrees."""
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(gray, k)) if k else gray


def rotation_matrix(width: int, height: int, angle: float) -> tuple[np.ndarray, int, int]:
    """The 2×3 affine of :func:`rotate_image` for an image of ``width``×``height``, and the new size."""
    m = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = math.ceil(height * sin + width * cos), math.ceil(height * cos + width * sin)
    m[0, 2] += nw / 2.0 - width / 2.0
    m[1, 2] += nh / 2.0 - height / 2.0
    return m, nw, nh


def rotate_image(gray: np.ndarray, angle: float, fill: int | None = None) -> np.ndarray:
    """Rotate by ``angle`` degrees counter-clockwise, enlarging the canvas so nothing is cut off."""
    if abs(angle) < 1e-6:
        return gray
    h, w = gray.shape
    if fill is None:
        fill = int(np.median(gray[:: max(1, h // 64), :: max(1, w // 64)]))
    m, nw, nh = rotation_matrix(w, h, angle)
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=fill)


def upright(gray: np.ndarray, rotation: int, skew: float) -> np.ndarray:
    """The page turned upright and deskewed: undo ``rotation`` quarter turns, then the ``skew``."""
    out = rotate_image(quarter_turn(gray, rotation), -skew)
    out = np.ascontiguousarray(out)
    out.flags.writeable = False
    return out


def upright_boxes(boxes: np.ndarray, width: int, height: int, rotation: int, skew: float) -> np.ndarray:
    """Map N×4 boxes (x0, top, x1, bottom) on a ``width``×``height`` image to the image :func:`upright` makes
    of it: the axis-aligned bounds of each turned (and, for a skew, rotated) box."""
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    x0, y0, x1, y1 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    k = (rotation // 90) % 4
    if k == 1:  # counter-clockwise: (x, y) -> (y, W - x)
        x0, y0, x1, y1 = y0, width - x1, y1, width - x0
        width, height = height, width
    elif k == 2:
        x0, y0, x1, y1 = width - x1, height - y1, width - x0, height - y0
    elif k == 3:  # clockwise: (x, y) -> (H - y, x)
        x0, y0, x1, y1 = height - y1, x0, height - y0, x1
        width, height = height, width
    out = np.stack([x0, y0, x1, y1], axis=1)
    if abs(skew) < 1e-6:
        return out
    m, _, _ = rotation_matrix(width, height, -skew)
    xs = out[:, [0, 2, 2, 0]]
    ys = out[:, [1, 1, 3, 3]]
    tx = m[0, 0] * xs + m[0, 1] * ys + m[0, 2]
    ty = m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
    return np.stack([tx.min(1), ty.min(1), tx.max(1), ty.max(1)], axis=1)


def upright_box(box: BBox, width: int, height: int, rotation: int, skew: float) -> BBox:
    """:func:`upright_boxes` for one box."""
    x0, top, x1, bottom = upright_boxes(np.array([[box.x0, box.top, box.x1, box.bottom]]), width, height,
                                        rotation, skew)[0]
    return BBox(float(x0), float(top), float(x1), float(bottom))


def upright_chars(chars: Sequence[PageChar], width: int, height: int, rotation: int, skew: float
                  ) -> tuple[PageChar, ...]:
    """Text-layer characters moved with their page by :func:`upright` (boxes and text direction)."""
    if not chars or (rotation % 360 == 0 and abs(skew) < 1e-6):
        return tuple(chars)
    boxes = upright_boxes(np.array([[c.bbox.x0, c.bbox.top, c.bbox.x1, c.bbox.bottom] for c in chars]),
                          width, height, rotation, skew)
    return tuple(replace(c, bbox=BBox(*(float(v) for v in b)), angle=(c.angle + rotation - skew) % 360.0)
                 for c, b in zip(chars, boxes, strict=True))
