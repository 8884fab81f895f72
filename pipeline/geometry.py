"""Image geometry shared by the core and plugins: quarter turns and small-angle rotation.

Angles are degrees, counter-clockwise positive as seen on screen (y down)."""

from __future__ import annotations

import math

import cv2
import numpy as np


def quarter_turn(gray: np.ndarray, rotation: int) -> np.ndarray:
    """Turn the page counter-clockwise by ``rotation`` (0/90/180/270) degrees."""
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(gray, k)) if k else gray


def rotate_image(gray: np.ndarray, angle: float, fill: int | None = None) -> np.ndarray:
    """Rotate by ``angle`` degrees counter-clockwise, enlarging the canvas so nothing is cut off."""
    if abs(angle) < 1e-6:
        return gray
    h, w = gray.shape
    if fill is None:
        fill = int(np.median(gray[:: max(1, h // 64), :: max(1, w // 64)]))
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = math.ceil(h * sin + w * cos), math.ceil(h * cos + w * sin)
    m[0, 2] += nw / 2.0 - w / 2.0
    m[1, 2] += nh / 2.0 - h / 2.0
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=fill)


def upright(gray: np.ndarray, rotation: int, skew: float) -> np.ndarray:
    """The page turned upright and deskewed: undo ``rotation`` quarter turns, then the ``skew``."""
    out = rotate_image(quarter_turn(gray, rotation), -skew)
    out = np.ascontiguousarray(out)
    out.flags.writeable = False
    return out
