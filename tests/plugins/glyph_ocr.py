"""A deterministic OCR engine plugin for tests: ``--ocr-engine glyph`` reads text drawn in OpenCV's Hershey
simplex face (the face ``tests/synth.py`` draws with) by matching every glyph against that face's own glyphs,
rendered at the size of the text it reads.

It is a real :class:`pipeline.interfaces.OcrEngine`, registered through the ``get_ocr_engine`` hook exactly
as the ONNX engine is, and reads only the pixels it is given: a crop that holds another face, another script
or garbage comes back as its best (poor) guess with a low confidence, an upside-down line reads badly, an
empty crop reads "".  It reads digits and the punctuation of amounts reliably, capitals less so (M/H and D/O
look alike to it), no lowercase and no Chinese.  What it buys the tests: no model to load, the same reading
on every machine.

Reading a line: ink (dark on light, Otsu) -> glyphs (connected components, those above one another merged,
dust dropped) -> the cap height and baseline of the line (its digit-high glyphs) -> per glyph the character
whose rendered template has the closest shape (correlation of the two masks scaled to one square), height,
width and position on the baseline -> a space where the gap between glyphs is wider than half the cap height.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cache

import cv2
import numpy as np

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.interfaces import LineRecognition, OcrEngine
from pipeline.model import BBox, TextLine

NAME = "glyph"
FACE = cv2.FONT_HERSHEY_SIMPLEX
CHARSET = "0123456789.,-+%()/:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SIDE = 32  # glyph masks are compared on a SIDE x SIDE square
DOT, DOT_SHAPE = 0.35, 0.7  # glyphs smaller than DOT cap heights both ways
AMBIGUOUS = 0.15  # letter/digit scores this close: the line decides
SPACE = 0.4  # a gap wider than this x cap height is a space
CALIBRATION = 0.35  # added to a glyph's score: a clean glyph of this face scores 0.55 or more -> 0.9
INK_SPREAD, INK_LEVEL = 0.8, 127  # templates are blurred and thresholded as a scan's ink is
REF_SCALE, REF_THICKNESS = 0.9, 2  # synth's text: the stroke grows with the scale from there


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark ink on light paper; nothing when the crop has no contrast."""
    if gray.size == 0 or int(gray.max()) - int(gray.min()) < 40:
        return np.zeros(gray.shape, bool)
    thr, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return gray < thr


def glyph_boxes(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(x0, top, x1, bottom) of each glyph, left to right: components overlapping in x are one glyph."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    boxes = [(int(x), int(y), int(x + w), int(y + h)) for x, y, w, h, area in stats[1:n] if area >= 4]
    if not boxes:
        return []
    tall = max(b[3] - b[1] for b in boxes)
    boxes = [b for b in boxes if (b[3] - b[1]) * (b[2] - b[0]) >= 0.01 * tall * tall]  # dust
    merged: list[list[int]] = []
    for b in sorted(boxes):
        if merged and min(merged[-1][2], b[2]) - max(merged[-1][0], b[0]) > 0.5 * min(b[2] - b[0],
                                                                                    merged[-1][2] - merged[-1][0]):
            m = merged[-1]
            m[:] = [min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])]
        else:
            merged.append(list(b))
    return [(m[0], m[1], m[2], m[3]) for m in merged]


def _square(mask: np.ndarray) -> np.ndarray:
    """The mask centred on a square (aspect kept), scaled to SIDE x SIDE, blurred, zero mean, unit norm."""
    h, w = mask.shape
    side = max(h, w)
    box = np.zeros((side, side), np.float32)
    box[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = mask
    sq = cv2.resize(box, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    sq = cv2.GaussianBlur(sq, (0, 0), 0.6)
    sq -= sq.mean()
    norm = float(np.linalg.norm(sq))
    return sq / norm if norm else sq


@cache
def templates(cap: int) -> tuple[tuple[str, np.ndarray, float, float, float], ...]:
    """Per character of CHARSET, drawn so that "0" is ``cap`` px high: its normalised mask, and its height,
    width and bottom (below the baseline), in heights of its "0" measured the same way."""
    h0 = cv2.getTextSize("0", FACE, 1.0, 1)[0][1]
    scale = cap / max(h0, 1)
    thickness = max(1, round(REF_THICKNESS * scale / REF_SCALE))
    drawn = {}
    for ch in CHARSET:  # drawn 4x larger and scaled down: small glyphs (",", ".") keep their shape
        big = np.zeros((cap * 16, cap * 12), np.uint8)
        cv2.putText(big, ch, (cap * 2, cap * 8), FACE, 4 * scale, 255, 4 * thickness, cv2.LINE_AA)
        canvas = cv2.resize(big, (cap * 3, cap * 4), interpolation=cv2.INTER_AREA)
        base = cap * 2
        canvas = cv2.GaussianBlur(canvas, (0, 0), INK_SPREAD)  # as a scan spreads the ink
        ys, xs = np.nonzero(canvas > INK_LEVEL)
        if len(ys):
            drawn[ch] = (canvas[ys.min():ys.max() + 1, xs.min():xs.max() + 1] > INK_LEVEL, ys.max() + 1 - base)
    unit = drawn["0"][0].shape[0]
    return tuple((ch, _square(m), m.shape[0] / unit, m.shape[1] / unit, below / unit)
                 for ch, (m, below) in drawn.items())


def classify(mask: np.ndarray, h: float, w: float, below: float, cap: int, digits: bool) -> tuple[str, float]:
    """The best character for one glyph, and its confidence: its score (shape correlation less the size and
    position differences) plus ``CALIBRATION``.  In a line of digits a digit within ``AMBIGUOUS`` of the best
    letter wins ("0" and "O" are nearly one glyph in this face), as a reader would."""
    sq = _square(mask)

    def shape(tsq: np.ndarray, th: float, tw: float) -> float:
        if max(h, w) < DOT and max(th, tw) < DOT:
            return DOT_SHAPE  # a dot has no shape to correlate at this size: size and position decide
        return float((sq * tsq).sum())

    scored = sorted(((shape(tsq, th, tw) - (abs(h - th) + 0.5 * abs(w - tw) + abs(below - tb)), ch)
                     for ch, tsq, th, tw, tb in templates(cap)), reverse=True)
    score, ch = scored[0]
    if ch.isalpha():
        score_d, ch_d = next(((s, c) for s, c in scored if c.isdigit()), (-9.0, ""))
        if (digits and score - score_d < AMBIGUOUS) or (not digits and ch in "O" and ch_d == "0"):
            score, ch = (score_d, ch_d) if digits else (score, ch)
    return ch, float(np.clip(score + CALIBRATION, 0.0, 0.99))


def _pass(mask: np.ndarray, boxes: Sequence[tuple[int, int, int, int]], cap: int, baseline: float,
          digits: bool) -> list[tuple[str, float]]:
    return [classify(mask[top:bottom, x0:x1], (bottom - top) / cap, (x1 - x0) / cap, (bottom - baseline) / cap,
                     cap, digits) for x0, top, x1, bottom in boxes]


def read_glyphs(mask: np.ndarray, boxes: Sequence[tuple[int, int, int, int]]) -> tuple[str, tuple[float, ...]]:
    """Two passes: the first with the cap height and baseline of the line's tall glyphs, the second with those
    of the glyphs the first read as digits or capitals (brackets and slashes are taller, commas lower)."""
    wide = [b for b in boxes if b[2] - b[0] >= 0.45 * (b[3] - b[1])] or list(boxes)  # not brackets, slashes
    heights = sorted(b[3] - b[1] for b in wide)
    tall = [b for b in wide if b[3] - b[1] >= 0.7 * heights[-1]]
    cap = max(4, round(float(np.median([b[3] - b[1] for b in tall]))))
    baseline = float(np.median([b[3] for b in tall]))
    first = _pass(mask, boxes, cap, baseline, False)
    digits = sum(c.isdigit() for c, _ in first) > sum(c.isalpha() for c, _ in first)
    body = [b for b, (c, _) in zip(boxes, first, strict=True) if c.isalnum()]
    if body:
        cap = max(4, round(float(np.median([b[3] - b[1] for b in body]))))
        baseline = float(np.median([b[3] for b in body]))
    text, confs = [], []
    for i, (ch, conf) in enumerate(_pass(mask, boxes, cap, baseline, digits)):
        if i and boxes[i][0] - boxes[i - 1][2] > SPACE * cap:
            text.append(" ")
            confs.append(0.99)
        text.append(ch)
        confs.append(round(conf, 4))
    return "".join(text), tuple(confs)


class GlyphEngine(OcrEngine):
    name = NAME

    def recognize_lines(self, crops: Sequence[np.ndarray]) -> list[LineRecognition]:
        out = []
        for crop in crops:
            mask = ink_mask(crop)
            boxes = glyph_boxes(mask)
            if not boxes:
                out.append(LineRecognition("", 0.0))
                continue
            text, confs = read_glyphs(mask, boxes)
            out.append(LineRecognition(text, round(min(confs), 4), confs))
        return out

    def detect_and_recognize(self, image: np.ndarray) -> list[TextLine]:
        """Lines are bands of rows holding glyph-sized ink (rulings left out), split where a gap is wider than
        three cap heights."""
        mask = ink_mask(image)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
        keep = np.zeros(n, bool)
        for i in range(1, n):
            w, h = stats[i, 2], stats[i, 3]
            keep[i] = stats[i, 4] >= 4 and h <= 80 and w <= 4 * max(h, 8)  # not a ruling
        text_mask = keep[labels]
        rows = np.flatnonzero(text_mask.any(axis=1))
        lines: list[TextLine] = []
        if not len(rows):
            return lines
        bands, start = [], rows[0]
        for a, b in itertools.pairwise(rows):
            if b - a > 2:
                bands.append((start, a + 1))
                start = b
        bands.append((start, rows[-1] + 1))
        for top, bottom in bands:
            band = text_mask[top:bottom]
            boxes = glyph_boxes(band)
            if not boxes:
                continue
            cap = max(b[3] - b[1] for b in boxes)
            group = [boxes[0]]
            for b in [*boxes[1:], None]:
                if b is not None and b[0] - group[-1][2] <= 3 * cap:
                    group.append(b)
                    continue
                x0, x1 = group[0][0], max(g[2] for g in group)
                text, confs = read_glyphs(band[:, x0:x1], [(g[0] - x0, g[1], g[2] - x0, g[3]) for g in group])
                lines.append(TextLine(text=text, confidence=round(min(confs), 4),
                                      bbox=BBox(float(x0), float(top), float(x1), float(bottom)),
                                      char_confidences=confs))
                group = [b] if b is not None else []
        return lines


@hookimpl
def get_ocr_engine(config: PipelineConfig) -> OcrEngine | None:
    return GlyphEngine() if config.ocr_engine == NAME else None
