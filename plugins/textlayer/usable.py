"""Step 2: is the text layer usable (the rule in :mod:`plugins.textlayer.pdf_chars`)."""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Sequence

import cv2
import numpy as np

from pipeline.geometry import quarter_turn, upright_chars
from pipeline.interfaces import OcrEngine
from pipeline.model import BBox, PageChar, PageImage, Rotation, TextLayerCheck
from plugins.textlayer.lines import Run, char_height, group_lines, split_runs, visible
from plugins.textlayer.thresholds import (
    _LOOKALIKE,
    _WS,
    DIGIT_SAMPLES,
    MATCH_SIMILARITY,
    MAX_ANGLE_OFF,
    MAX_DIGIT_RUNS,
    MIN_AGREEMENT,
    MIN_CHARS,
    MIN_CHARS_DRAWN,
    MIN_INK_COVERAGE,
    MIN_MAPPED,
    SAMPLE_CHARS,
    SAMPLE_SIZE,
)

log = logging.getLogger("plugins.textlayer.pdf_chars")


def ink_masks(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray, float]:
    """All ink, and the ink that is not a ruling (bool masks at no more than 200 dpi); and the factor from
    page pixels to them."""
    f = min(1.0, 200.0 / dpi)
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else gray
    paper = float(np.percentile(small[:: 4, :: 4], 90))
    ink = (small < min(paper - 60.0, 170.0)).astype(np.uint8)
    n = max(8, round(0.25 * dpi * f))  # a ruling is longer than a quarter inch; characters are not
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, n), np.uint8)) | \
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((n, 1), np.uint8))
    lines = cv2.dilate(lines, np.ones((3, 3), np.uint8))
    return ink > 0, (ink > 0) & (lines == 0), f


def box_mask(shape: tuple[int, ...], boxes: Sequence[BBox], f: float, pad: float) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    for b in boxes:
        cv2.rectangle(mask, (math.floor((b.x0 - pad) * f), math.floor((b.top - pad) * f)),
                      (math.ceil((b.x1 + pad) * f), math.ceil((b.bottom + pad) * f)), 1, -1)
    return mask > 0


def drawn(ink: np.ndarray, f: float, boxes: Sequence[BBox]) -> list[bool]:
    """Whether any ink lies inside each box (page pixels; ``ink`` scaled by ``f``)."""
    integral = cv2.integral(ink.astype(np.uint8))
    h, w = ink.shape
    out = []
    for b in boxes:
        x0, y0 = max(0, math.floor(b.x0 * f)), max(0, math.floor(b.top * f))
        x1, y1 = min(w, math.ceil(b.x1 * f)), min(h, math.ceil(b.bottom * f))
        out.append(bool(x1 > x0 and y1 > y0 and
                        integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0] > 0))
    return out


def ink_coverage(text_ink: np.ndarray, f: float, boxes: Sequence[BBox], pad: float) -> float:
    """Share of the non-ruling ink that lies inside the (padded) character boxes."""
    total = int(text_ink.sum())
    if not total:
        return 1.0
    return float((text_ink & box_mask(text_ink.shape, boxes, f, pad)).sum()) / total


def dominant_rotation(chars: Sequence[PageChar], indices: Sequence[int]) -> tuple[Rotation, float]:
    """The quarter turn (counter-clockwise) that makes most characters upright, and how far (degrees) the
    characters' median direction is from that quarter."""
    angles = np.array([chars[i].angle for i in indices]) % 360.0
    quarters = np.round(angles / 90.0).astype(int) % 4
    q = int(np.bincount(quarters, minlength=4).argmax())
    dev = (angles[quarters == q] - 90.0 * q + 180.0) % 360.0 - 180.0
    rotation: Rotation = (0, 270, 180, 90)[q]  # text at 90° ccw needs a 270° ccw turn
    return rotation, float(abs(np.median(dev)))


def normalise(text: str) -> str:
    """NFKC, no blanks, look-alike glyphs folded (for comparing the layer with an OCR reading)."""
    return _WS.sub("", unicodedata.normalize("NFKC", text)).translate(_LOOKALIKE)


def similarity(a: str, b: str) -> float:
    """1 - Levenshtein distance / length of the longer string (1.0 for two empty strings)."""
    a, b = normalise(a), normalise(b)
    if not a and not b:
        return 1.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1.0 - prev[-1] / max(len(a), len(b))


def text_runs(chars: Sequence[PageChar], indices: Sequence[int]) -> list[Run]:
    """The page's runs (characters of a line that sit close together), in reading order."""
    em = char_height(chars, indices)
    return [r for line in group_lines(chars, indices) for r in split_runs(chars, line, 0.8 * em)]


def sample_runs(chars: Sequence[PageChar], indices: Sequence[int], k: int) -> list[Run]:
    """Up to ``k`` runs spread over the page in reading order, half of them with digits when there are."""
    return _spread_sample(chars, [head(chars, r, SAMPLE_CHARS) for r in text_runs(chars, indices)], k)


def digit_cover(chars: Sequence[PageChar], runs: Sequence[Run], picked: Sequence[Run]) -> list[Run]:
    """Extra runs (windows of ``SAMPLE_CHARS`` characters of runs of two or more) so that every digit printed
    in ``runs`` shows in at least ``DIGIT_SAMPLES`` sampled runs; the rarest digits first, spread over the
    page.  (A lone digit is not sampled: the recogniser reads single characters poorly.)"""
    def digits(run: Run) -> list[str]:
        return [chars[i].text for i in run.indices if chars[i].text.isdigit()]

    seen = {i for r in picked for i in r.indices}
    count: dict[str, int] = {}
    for r in picked:
        for d in set(digits(r)):
            count[d] = count.get(d, 0) + 1
    where: dict[str, list[Run]] = {}
    for r in runs:
        if len(r.indices) < 2:
            continue
        for d in set(digits(r)):
            where.setdefault(d, []).append(r)
    extra: list[Run] = []
    for d in sorted(where, key=lambda d: (len(where[d]), d)):
        # runs with an occurrence of d not sampled yet
        options = [(r, k) for r in where[d] for k in [next((k for k, i in enumerate(r.indices)
                                                             if chars[i].text == d and i not in seen), -1)]
                   if k >= 0]
        need = DIGIT_SAMPLES - count.get(d, 0)
        for j in range(min(need, len(options))):
            if len(extra) >= MAX_DIGIT_RUNS:
                return extra
            run = window(chars, *options[round(j * (len(options) - 1) / max(need - 1, 1))], SAMPLE_CHARS)
            extra.append(run)
            seen.update(run.indices)
            for e in set(digits(run)):
                count[e] = count.get(e, 0) + 1
    return extra


def window(chars: Sequence[PageChar], run: Run, pos: int, n: int) -> Run:
    """``n`` characters of ``run`` around its character at ``pos``."""
    start = max(0, min(pos - n // 2, len(run.indices) - n))
    part = run.indices[start: start + n]
    box = chars[part[0]].bbox
    for i in part[1:]:
        box = box.union(chars[i].bbox)
    return Run(part, box)


def substituted_digits(layer: str, read: str) -> set[str]:
    """Digits of the layer's text that the OCR read as another digit (texts aligned after :func:`normalise`)."""
    from difflib import SequenceMatcher

    a, b = normalise(layer), normalise(read)
    out: set[str] = set()
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "replace" and i2 - i1 == j2 - j1:
            out |= {a[i1 + k] for k in range(i2 - i1)
                    if a[i1 + k].isdigit() and b[j1 + k].isdigit() and a[i1 + k] != b[j1 + k]}
    return out


def _spread_sample(chars: Sequence[PageChar], runs: list[Run], k: int) -> list[Run]:
    runs = [r for r in runs if any(chars[i].text.isalnum() for i in r.indices)]  # not "。。。" alone
    runs = [r for r in runs if len(r.indices) >= 2] or runs
    digits = [r for r in runs if any(chars[i].text.isdigit() for i in r.indices)]
    words = [r for r in runs if r not in digits]

    def spread(rs: list[Run], n: int) -> list[Run]:
        if len(rs) <= n:
            return rs
        return [rs[round(j * (len(rs) - 1) / max(n - 1, 1))] for j in range(n)]

    half = min(len(digits), k // 2)
    picked = spread(digits, half)
    picked += spread(words, k - len(picked))
    if len(picked) < k:
        picked += spread([r for r in digits if r not in picked], k - len(picked))
    return picked


def head(chars: Sequence[PageChar], run: Run, n: int) -> Run:
    """The run's first ``n`` characters."""
    if len(run.indices) <= n:
        return run
    box = chars[run.indices[0]].bbox
    for i in run.indices[1:n]:
        box = box.union(chars[i].bbox)
    return Run(run.indices[:n], box)


def run_crop(gray: np.ndarray, chars: Sequence[PageChar], run: Run) -> np.ndarray:
    """The run's ink with a paper margin like the OCR path's line crops; everything outside
    its characters' boxes (a neighbouring character, a ruling) is painted as paper first."""
    b = run.bbox
    y0, y1 = max(0, math.floor(b.top) - 1), min(gray.shape[0], math.ceil(b.bottom) + 1)
    x0, x1 = max(0, math.floor(b.x0) - 1), min(gray.shape[1], math.ceil(b.x1) + 1)
    crop = gray[y0:y1, x0:x1].copy()
    if crop.size == 0:
        return np.full((8, 8), 255, np.uint8)
    keep = np.zeros(crop.shape, bool)
    for i in run.indices:
        c = chars[i].bbox
        keep[max(0, math.floor(c.top) - y0): math.ceil(c.bottom) - y0 + 1,
             max(0, math.floor(c.x0) - x0): math.ceil(c.x1) - x0 + 1] = True
    paper = int(np.percentile(crop, 95))
    crop[~keep] = paper
    ys, xs = np.nonzero(crop < paper - 60)
    if len(ys):
        crop = crop[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    border = max(2, crop.shape[0] // 4)
    return cv2.copyMakeBorder(crop, border, border, border, border, cv2.BORDER_CONSTANT, value=paper)


def assess(page: PageImage, engine: OcrEngine) -> TextLayerCheck:
    """The usability rule (module docstring) applied to ``page`` as rendered."""
    chars = page.chars
    idx = visible(chars)
    if len(idx) < MIN_CHARS:
        return TextLayerCheck(usable=False, reason=f"{len(idx)} visible characters")
    mapped = sum(chars[i].mapped for i in idx) / len(idx)
    if mapped < MIN_MAPPED:
        return TextLayerCheck(usable=False, reason=f"only {mapped:.0%} of the characters have Unicode values")
    rotation, off = dominant_rotation(chars, idx)
    if off > MAX_ANGLE_OFF:
        return TextLayerCheck(usable=False, reason=f"text runs at {off:.1f}° from a quarter turn")
    ink, text_ink, f = ink_masks(page.gray, page.dpi)
    on_ink = drawn(ink, f, [chars[i].bbox for i in idx])
    undrawn = frozenset(i for i, d in zip(idx, on_ink, strict=True) if not d)
    if len(undrawn) > (1 - MIN_CHARS_DRAWN) * len(idx):
        return TextLayerCheck(usable=False, reason=f"{len(undrawn)} of {len(idx)} characters draw nothing")
    idx = [i for i in idx if i not in undrawn]
    coverage = ink_coverage(text_ink, f, [chars[i].bbox for i in idx], 0.02 * page.dpi)
    if coverage < MIN_INK_COVERAGE:
        return TextLayerCheck(usable=False, reason=f"characters cover {coverage:.0%} of the page's ink")
    gray = page.gray
    if rotation:  # sample on the page as it will be read: turned upright
        h, w = gray.shape
        gray, chars = quarter_turn(gray, rotation), upright_chars(chars, w, h, rotation, 0.0)
    upright_idx = [i for i in idx if round((chars[i].angle % 360) / 90) % 4 == 0]
    runs = sample_runs(chars, upright_idx, SAMPLE_SIZE)
    if not runs:
        return TextLayerCheck(usable=False, reason="no text runs to check", rotation=rotation)
    n_plain = len(runs)  # the page's agreement is that of the plain sample; the digit cover checks glyphs
    runs += digit_cover(chars, text_runs(chars, upright_idx), runs)
    reads = engine.recognize_lines([run_crop(gray, chars, r) for r in runs])
    sims = [similarity("".join(chars[i].text for i in r.indices), res.text) for r, res in
            zip(runs, reads, strict=True)]
    agreement = sum(s >= MATCH_SIMILARITY for s in sims[:n_plain]) / n_plain
    sampled = frozenset(i for r in runs for i in r.indices)
    disputed = frozenset(i for r, s in zip(runs, sims, strict=True) if s < 1.0 for i in r.indices)
    wrong_digits = set().union(*(substituted_digits("".join(chars[i].text for i in r.indices), res.text)
                                 for r, res in zip(runs, reads, strict=True)))
    suspect = frozenset(i for i in idx if normalise(chars[i].text) in wrong_digits)
    reason = (f"{len(idx)} characters cover {coverage:.0%} of the ink; OCR agrees on "
              f"{agreement:.0%} of {n_plain} sampled runs ({len(runs) - n_plain} more for digits)"
              + (f"; digits read otherwise: {''.join(sorted(wrong_digits))}" if wrong_digits else ""))
    usable = agreement >= MIN_AGREEMENT
    if not usable:
        log.info("%s page %d: text layer not used: %s", page.source, page.page_number, reason)
    return TextLayerCheck(usable=usable, reason=reason, confidence=round(agreement, 4), rotation=rotation,
                          sampled=sampled, disputed=disputed, undrawn=undrawn, suspect=suspect)
