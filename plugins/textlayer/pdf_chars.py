"""Born-digital pages: read table cells from the PDF's own characters instead of OCR.

The image pipeline still finds the grid (the same grid, spans and table ids as for a scan); only the cell
text comes from the text layer.  Two hooks:

``check_text_layer`` decides per page, before orientation, whether the layer is *usable*: it must be the
page's visible text, not a hidden OCR layer of a scan and not a few header characters on an image page.
The rule (each threshold below is a module constant):

1. at least ``MIN_CHARS`` visible, non-blank characters (render modes 3 "invisible" and 7 "clip" do not
   count: that is how OCR'd scans hide their text);
2. at least ``MIN_MAPPED`` of them have a real Unicode value (not unmapped glyphs, U+FFFD or private-use
   code points);
3. they run in one direction, a quarter turn (that direction gives the page's rotation; no skew);
4. at least ``MIN_CHARS_DRAWN`` of them put ink on the page (the others, clipped, white or covered, are
   left out: they are not on the page), and the boxes of those cover at least ``MIN_INK_COVERAGE`` of the
   page's ink that is not a ruling (an image page with a few characters of header fails here);
5. an OCR sample agrees: up to ``SAMPLE_SIZE`` text runs of the layer, spread over the page, are read by
   the OCR engine from the rendered image; at least ``MIN_AGREEMENT`` of them must match (similarity
   ``MATCH_SIMILARITY`` after NFKC, blank removal and folding look-alike glyphs such as "。"/"o").  A layer
   with broken Unicode maps fails here.

``build_table`` then assigns each visible character to the grid cell holding its centre, joins a cell's
characters into lines (top to bottom, left to right; the document's own spaces kept) and the lines as the
OCR path does.  Confidence is the layer's certainty, not blindly 1: ``TEXT_CONFIDENCE`` less
``DISAGREEMENT_PENALTY`` times the share of sampled runs the OCR read differently (one odd run in eight
leaves the page above the default review threshold, two do not), lowered to ``DISPUTED_CONFIDENCE`` for a
cell holding such a run and to ``UNMAPPED_CONFIDENCE`` for unmapped glyphs.

Digits get a denser sample: every digit printed on the page is checked in ``DIGIT_SAMPLES`` runs (up to
``MAX_DIGIT_RUNS`` more runs), because a wrong glyph mapping (a ToUnicode map sending "7" to "1") repeats
wherever the glyph is used and a one-in-eight disagreement would otherwise leave it above the review
threshold.  A digit the OCR read as another digit makes every cell holding that digit suspect
(``SUSPECT_GLYPH_CONFIDENCE``, flag ``text-layer-glyph``); arithmetic checks cannot confirm such a cell (a
systematic substitution can balance a sum), and a failing check on a text-layer page casts doubt on the
page's other numbers (``pipeline.fusion``, flag ``text-layer-doubt``).  A cell with ink but no characters is
never confidently empty: it is read by OCR (flag ``text-layer-missing``).  The caption is the nearest
centred line of characters above the table, chosen by the same rule as the OCR path.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from pipeline import hookimpl
from pipeline.captions import Caption, Segment, choose_caption
from pipeline.config import PipelineConfig
from pipeline.geometry import quarter_turn, upright_chars
from pipeline.interfaces import OcrEngine
from pipeline.model import BBox, Cell, Grid, PageChar, PageImage, Rotation, Table, TextLayerCheck
from plugins.cells.reconstruct import (
    apply_structure_confidence,
    caption_extra,
    cell_crop,
    clean_ink,
    join_lines,
    read_cells,
)

log = logging.getLogger(__name__)

MIN_CHARS = 3
MIN_MAPPED = 0.95
MIN_INK_COVERAGE = 0.8
MIN_CHARS_DRAWN = 0.5
MAX_ANGLE_OFF = 1.0  # degrees from a quarter turn
SAMPLE_SIZE = 8
SAMPLE_CHARS = 6  # a sampled run is cut to its first characters: recognition time grows with width
MATCH_SIMILARITY = 0.75
MIN_AGREEMENT = 0.6

TEXT_CONFIDENCE = 0.99
DISAGREEMENT_PENALTY = 0.5  # page confidence = TEXT_CONFIDENCE - this × share of sampled runs that disagreed
DISPUTED_CONFIDENCE = 0.8
UNMAPPED_CONFIDENCE = 0.3
SUSPECT_GLYPH_CONFIDENCE = 0.6  # a cell holding a digit the OCR sample read as another digit
DIGIT_SAMPLES = 2  # sampled runs (at least) showing each digit printed on the page
MAX_DIGIT_RUNS = 12  # extra runs at most for that
TITLE_CONFIDENCE = 0.99
CAPTION_SEGMENTS = 8  # line segments above a table searched for its title and unit, nearest first (as OCR)

_WS = re.compile(r"\s+")
#: glyphs that look alike in print, folded before the layer's text is compared with what the OCR read
_LOOKALIKE = str.maketrans({"。": "0", "O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1", "丨": "1",
                            "一": "-", "—": "-", "－": "-", "―": "-", "·": ".", "．": ".", "，": ",", "：": ":",
                            "；": ";", "（": "(", "）": ")", "“": '"', "”": '"', "‘": "'", "’": "'"})


# --------------------------------------------------------------------------- characters as lines


@dataclass(frozen=True, slots=True)
class Run:
    """Characters of one text line that sit close together (a cell's line, a caption): indices into
    ``PageImage.chars`` in reading order, and their bounding box."""

    indices: tuple[int, ...]
    bbox: BBox


def visible(chars: Sequence[PageChar]) -> list[int]:
    """Indices of the visible, non-blank characters."""
    return [i for i, c in enumerate(chars) if c.visible and not c.text.isspace()]


def readable(page: PageImage) -> list[int]:
    """Indices of the characters a reader sees: visible, and not found to draw nothing by the check.  Blanks
    are kept (the document's own spaces between words)."""
    undrawn = page.text_check.undrawn if page.text_check is not None else frozenset()
    return [i for i, c in enumerate(page.chars) if c.visible and i not in undrawn]


def char_height(chars: Sequence[PageChar], indices: Sequence[int]) -> float:
    """Median box height: the layer's em."""
    if not indices:
        return 1.0
    return max(1.0, float(np.median([chars[i].bbox.height for i in indices])))


def group_lines(chars: Sequence[PageChar], indices: Sequence[int]) -> list[list[int]]:
    """Characters grouped into lines (top to bottom), each line left to right.  A character joins the line
    whose vertical centre lies within half a character height of its own."""
    lines: list[tuple[float, float, list[int]]] = []  # centre, height, members
    for i in sorted(indices, key=lambda i: ((chars[i].bbox.top + chars[i].bbox.bottom) / 2, chars[i].bbox.x0)):
        b = chars[i].bbox
        cy, h = (b.top + b.bottom) / 2, max(b.height, 1.0)
        for k, (lcy, lh, members) in enumerate(lines):
            if abs(cy - lcy) <= 0.5 * max(h, lh):
                members.append(i)
                n = len(members)
                lines[k] = ((lcy * (n - 1) + cy) / n, max(lh, h), members)
                break
        else:
            lines.append((cy, h, [i]))
    lines.sort(key=lambda t: t[0])
    return [sorted(m, key=lambda i: chars[i].bbox.x0) for _, _, m in lines]


def line_text(chars: Sequence[PageChar], line: Sequence[int]) -> str:
    """A line's characters as one string; runs of the document's own blanks become one space."""
    return _WS.sub(" ", "".join(chars[i].text for i in line)).strip()


def split_runs(chars: Sequence[PageChar], line: Sequence[int], max_gap: float) -> list[Run]:
    """Cut a line where the horizontal gap between neighbours exceeds ``max_gap`` pixels."""
    runs: list[list[int]] = []
    for i in line:
        if runs and chars[i].bbox.x0 - chars[runs[-1][-1]].bbox.x1 <= max_gap:
            runs[-1].append(i)
        else:
            runs.append([i])
    out = []
    for r in runs:
        box = chars[r[0]].bbox
        for i in r[1:]:
            box = box.union(chars[i].bbox)
        out.append(Run(tuple(r), box))
    return out


# --------------------------------------------------------------------------- the usability rule


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


@hookimpl
def check_text_layer(page: PageImage, engine: OcrEngine, config: PipelineConfig) -> TextLayerCheck | None:
    return assess(page, engine)


# --------------------------------------------------------------------------- cells from characters


def assign_chars(chars: Sequence[PageChar], indices: Sequence[int], grid: Grid
                 ) -> dict[int, list[int]]:
    """Character indices per span (index into ``grid.spans``), by the cell that holds each centre."""
    owner = np.full((grid.n_rows, grid.n_cols), -1, int)
    for s, (r, c, rs, cs) in enumerate(grid.spans):
        owner[r: r + rs, c: c + cs] = s
    rows, cols = np.asarray(grid.row_edges), np.asarray(grid.col_edges)
    out: dict[int, list[int]] = {}
    for i in indices:
        b = chars[i].bbox
        cx, cy = (b.x0 + b.x1) / 2, (b.top + b.bottom) / 2
        r = int(np.searchsorted(rows, cy)) - 1
        c = int(np.searchsorted(cols, cx)) - 1
        if 0 <= r < grid.n_rows and 0 <= c < grid.n_cols and owner[r, c] >= 0:
            out.setdefault(int(owner[r, c]), []).append(i)
    return out


def has_ink(gray: np.ndarray, box: BBox, dpi: float) -> bool:
    """Printed marks inside a cell (rulings and dust specks excluded)."""
    crop, _, _ = cell_crop(gray, box, max(2, round(dpi / 70)))
    mask, _ = clean_ink(crop, dpi)
    return bool(mask.any())


def cell_text(page: PageImage, members: Sequence[int]) -> str:
    """A cell's characters as text: lines top to bottom, joined as the OCR path joins them.  Characters set
    sideways in the cell (a turned header) are read in their own direction, after the upright ones."""
    by_quarter: dict[int, list[int]] = {}
    for i in members:
        by_quarter.setdefault(round((page.chars[i].angle % 360.0) / 90.0) % 4, []).append(i)
    lines: list[str] = []
    for q, idx in sorted(by_quarter.items()):
        chars: Sequence[PageChar] = [page.chars[i] for i in idx]
        if q:  # turn them upright: text at q quarters counter-clockwise needs (4 - q) more
            chars = upright_chars(chars, page.width, page.height, (360 - 90 * q) % 360, 0.0)
        lines += [line_text(chars, line) for line in group_lines(chars, range(len(chars)))]
    return join_lines(lines)


def cell_from_chars(page: PageImage, grid: Grid, span: tuple[int, int, int, int], members: Sequence[int],
                    base: float) -> Cell:
    chars, check = page.chars, page.text_check
    r, c, rs, cs = span
    box = grid.cell_bbox(r, c, rs, cs)
    text = cell_text(page, members)
    conf, flags = base, []
    if check is not None and any(i in check.disputed for i in members):
        conf = min(conf, DISPUTED_CONFIDENCE)
        flags.append("ocr-disagrees")
    if check is not None and any(i in check.suspect for i in members):
        conf = min(conf, SUSPECT_GLYPH_CONFIDENCE)
        flags.append("text-layer-glyph")
    if not all(chars[i].mapped for i in members):
        conf = min(conf, UNMAPPED_CONFIDENCE)
        flags.append("text-layer-unmapped")
    return Cell(row=r, col=c, rowspan=rs, colspan=cs, text=text, confidence=round(conf, 4), bbox=box,
                flags=tuple(flags))


def page_confidence(agreement: float) -> float:
    """Confidence of a text-layer cell on a page whose OCR sample agreed on ``agreement`` of its runs."""
    return max(0.0, TEXT_CONFIDENCE - DISAGREEMENT_PENALTY * (1.0 - agreement))


def read_cells_from_chars(page: PageImage, grid: Grid, engine: OcrEngine) -> list[Cell]:
    """Every cell of ``grid`` from the text layer; cells with ink but no characters by OCR."""
    check = page.text_check
    base = page_confidence(check.confidence if check is not None else 0.0)
    by_span = assign_chars(page.chars, readable(page), grid)
    cells: dict[int, Cell] = {}
    missing: list[int] = []
    for s, span in enumerate(grid.spans):
        members = by_span.get(s, [])
        if any(not page.chars[i].text.isspace() for i in members):
            cells[s] = cell_from_chars(page, grid, span, members, base)
        elif has_ink(page.gray, grid.cell_bbox(*span), page.dpi):
            missing.append(s)
        else:
            r, c, rs, cs = span
            cells[s] = Cell(row=r, col=c, rowspan=rs, colspan=cs, text="", confidence=1.0,
                            bbox=grid.cell_bbox(*span))
    if missing:
        sub = replace(grid, spans=tuple(grid.spans[s] for s in missing), line_score=1.0)
        for s, cell in zip(missing, read_cells(page, sub, engine), strict=True):
            cells[s] = replace(cell, flags=(*cell.flags, "text-layer-missing"))
    return apply_structure_confidence([cells[s] for s in range(len(grid.spans))], grid)


def caption_from_chars(page: PageImage, grid: Grid, upper: float) -> Caption:
    """The table's caption from the text layer, by the OCR path's rule (:func:`pipeline.captions.choose_caption`)
    on the line segments above the table, nearest first."""
    chars = page.chars
    idx = readable(page)
    em = char_height(chars, [i for i in idx if not chars[i].text.isspace()])
    top = max(upper, grid.bbox.top - 12 * (10.5 / 72.0 * page.dpi))
    above = [i for i in idx if top <= (chars[i].bbox.top + chars[i].bbox.bottom) / 2 < grid.bbox.top - 2]
    segments = [Segment(line_text(chars, run.indices), run.bbox.x0, run.bbox.x1, TITLE_CONFIDENCE, run.bbox.top,
                        run.bbox.bottom)
                for line in reversed(group_lines(chars, above))
                for run in split_runs(chars, line, 2.5 * em)][:CAPTION_SEGMENTS]
    caption = choose_caption(segments, grid.bbox)
    return replace(caption, confidence=TITLE_CONFIDENCE if caption.title else 1.0)


@hookimpl
def build_table(page: PageImage, grid: Grid, engine: OcrEngine, table_id: str, upper_bound: float,
                config: PipelineConfig) -> Table | None:
    if page.text_source != "text_layer":
        return None  # the OCR path (plugins.cells.reconstruct) reads this page
    cells = read_cells_from_chars(page, grid, engine)
    caption = caption_from_chars(page, grid, upper_bound)
    return Table(id=table_id, page=page.page_number, bbox=grid.bbox, n_rows=grid.n_rows, n_cols=grid.n_cols,
                 cells=tuple(cells), title=caption.title, title_confidence=caption.confidence,
                 structure_confidence=grid.line_score, extra={**caption_extra(caption), "text_source": "text_layer"})
