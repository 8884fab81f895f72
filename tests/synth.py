"""Synthetic pages for stage tests: ruled tables drawn with OpenCV, digits/latin text with Hershey fonts."""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.geometry import rotate_image


def blank_page(width: int = 1400, height: int = 1000, paper: int = 235) -> np.ndarray:
    return np.full((height, width), paper, np.uint8)


def draw_table(page: np.ndarray, x0: int, y0: int, col_widths: list[int], row_heights: list[int],
               merges: list[tuple[int, int, int, int]] = (), texts: dict[tuple[int, int], str] | None = None,
               thickness: int = 2, ink: int = 30, gaps: bool = False) -> list[tuple[int, int, int, int]]:
    """Draw a ruled table; ``merges`` are (row, col, rowspan, colspan) cells drawn without inner lines.
    Returns the expected spans (every grid position covered once)."""
    xs = np.cumsum([x0, *col_widths])
    ys = np.cumsum([y0, *row_heights])
    nr, nc = len(row_heights), len(col_widths)
    owner = {}
    for r, c, rs, cs in merges:
        for rr in range(r, r + rs):
            for cc in range(c, c + cs):
                owner[(rr, cc)] = (r, c, rs, cs)
    spans = sorted({owner.get((r, c), (r, c, 1, 1)) for r in range(nr) for c in range(nc)})
    rng = np.random.default_rng(1)
    def merged(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return a in owner and b in owner and owner[a] == owner[b]

    for r in range(nr):
        for c in range(nc):
            if c == nc - 1 or not merged((r, c), (r, c + 1)):
                _line(page, (xs[c + 1], ys[r]), (xs[c + 1], ys[r + 1]), ink, thickness, gaps, rng)
            if r == nr - 1 or not merged((r, c), (r + 1, c)):
                _line(page, (xs[c], ys[r + 1]), (xs[c + 1], ys[r + 1]), ink, thickness, gaps, rng)
    _line(page, (xs[0], ys[0]), (xs[-1], ys[0]), ink, thickness, gaps, rng)
    _line(page, (xs[0], ys[0]), (xs[0], ys[-1]), ink, thickness, gaps, rng)
    for (r, c), text in (texts or {}).items():
        rs, cs = owner.get((r, c), (r, c, 1, 1))[2:]
        cx0, cx1, cy1 = xs[c], xs[c + cs], ys[r + rs]
        cy0 = ys[r]
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.9, 2)
        org = (int(cx1 - tw - 8) if text[:1].isdigit() else int(cx0 + 8), int((cy0 + cy1 + th) / 2))
        cv2.putText(page, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.9, ink, 2, cv2.LINE_AA)
    return spans


def _line(page, p0, p1, ink, thickness, gaps, rng) -> None:
    p0 = (int(p0[0]), int(p0[1]))
    p1 = (int(p1[0]), int(p1[1]))
    if not gaps:
        cv2.line(page, p0, p1, ink, thickness)
        return
    # a scanned ruling with small breaks
    n = max(2, int(np.hypot(p1[0] - p0[0], p1[1] - p0[1]) // 25))
    for i in range(n):
        if rng.random() < 0.04:
            continue
        a, b = i / n, (i + 0.92) / n
        q0 = (int(p0[0] + a * (p1[0] - p0[0])), int(p0[1] + a * (p1[1] - p0[1])))
        q1 = (int(p0[0] + b * (p1[0] - p0[0])), int(p0[1] + b * (p1[1] - p0[1])))
        cv2.line(page, q0, q1, ink, thickness)


def scan(page: np.ndarray, angle: float = 0.0, noise: float = 4.0, blur: float = 0.7, seed: int = 0,
         upside_down: bool = False) -> np.ndarray:
    """Simulate a scan: rotation, blur, noise, JPEG."""
    rng = np.random.default_rng(seed)
    img = rotate_image(page, angle, fill=int(page[0, 0]))
    if upside_down:
        img = np.ascontiguousarray(img[::-1, ::-1])
    if blur:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    img = np.clip(img.astype(np.float32) + rng.normal(0, noise, img.shape), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 60])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
