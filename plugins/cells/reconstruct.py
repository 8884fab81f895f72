"""Cell reconstruction: read every cell of a known grid with the recognition model on cell crops.

Per cell (pure functions): ``cell_crop`` (inside the rulings, shaved by the line thickness) ->
``clean_ink`` (binarise against the cell's own paper level, drop ruling remnants and dust specks) ->
``split_lines`` (horizontal projection profile; a multi-line cell becomes one crop per line) -> one batched
recognition call for all line crops of the table -> ``join_lines``.  A band too tall to be one line that
cannot be split goes to the detector (fallback).  The caption above the table is read the same way from the
text-line bands between the previous table (or the page top) and the table.

Confidence of a cell = the recogniser's weakest character probability, lowered for signs that the crop may be
misread: ink that produced no text, text shapes that look wrong for a number column, a band that had to be
split by the detector, and rulings the grid was unsure about.  Empty cells with no ink are confident.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from pipeline import hookimpl
from pipeline.captions import Caption, Segment, choose_caption, is_title, split_code
from pipeline.config import PipelineConfig
from pipeline.document.notes import TableNotes
from pipeline.interfaces import LineRecognition, OcrEngine
from pipeline.model import BBox, Cell, Grid, PageImage, Table, TextLine
from pipeline.timing import stage
from plugins.cells.blank import NOISE_CONFIDENCE, noise_reading, noise_specks
from plugins.cells.normalise import DASH_READINGS, dash_by_width, normalise_cell_text
from plugins.cells.reread import AGREE_CONFIDENCE, agree, doubtful, second_preparation
from plugins.cells.shape import BAR_CONFIDENCE, bar_dash, is_quantity, shape_factor
from plugins.grid.partial import inferred_row_confidence

_NUMBER = re.compile(r"^[-+]?\(?[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\)?%?$")
_NUMBERISH = re.compile(r"^[\d.,%()+\-]+$")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@dataclass(frozen=True, slots=True)
class LineCrop:
    cell_index: int
    image: np.ndarray
    bbox: BBox  # page pixels


def em(dpi: float) -> float:
    """Approximate body text height in pixels (about 10.5 pt)."""
    return 10.5 / 72.0 * dpi


def cell_crop(gray: np.ndarray, box: BBox, shave: int) -> tuple[np.ndarray, int, int]:
    """The cell's inside, shaved by ``shave`` pixels from each ruling; with its page offset."""
    x0, y0 = round(box.x0) + shave, round(box.top) + shave
    x1, y1 = round(box.x1) - shave, round(box.bottom) - shave
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(gray.shape[1], x1), min(gray.shape[0], y1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return np.zeros((0, 0), np.uint8), x0, y0
    return gray[y0:y1, x0:x1], x0, y0


def gray_percentiles(crop: np.ndarray, qs: Sequence[float]) -> tuple[float, ...]:
    """``np.percentile(crop, q)`` for each ``q`` (numpy's default linear method, the same floats), from one
    256-bin histogram of a uint8 crop instead of a partition per call (cell preparation calls it a few times
    per cell)."""
    if crop.dtype != np.uint8 or crop.size == 0:
        return tuple(float(np.percentile(crop, q)) for q in qs)
    n = crop.size
    cum = np.cumsum(np.bincount(crop.ravel(), minlength=256))
    out = []
    for q in qs:
        vi = (n - 1) * (q / 100)
        below = math.floor(vi)
        gamma = vi - below
        lo = int(np.searchsorted(cum, below, side="right"))
        hi = int(np.searchsorted(cum, min(below + 1, n - 1), side="right"))
        diff = hi - lo
        out.append(float(hi - diff * (1 - gamma)) if gamma >= 0.5 else float(lo + diff * gamma))
    return tuple(out)


def clean_ink(crop: np.ndarray, dpi: float) -> tuple[np.ndarray, int]:
    """Boolean ink mask of a cell crop without ruling remnants at its edges and without dust specks; and the
    number of specks that were dropped from an otherwise empty cell (they might have been faint marks)."""
    if crop.size == 0:
        return np.zeros(crop.shape, bool), 0
    paper, dark = gray_percentiles(crop, (90, 0.3))
    contrast = paper - dark
    if contrast < 40:  # nothing printed: only paper, noise, jpeg ringing ... or a few tiny marks (dots, dust)
        marks = cv2.connectedComponents((crop < paper - 80).astype(np.uint8))[0] - 1
        return np.zeros(crop.shape, bool), int(marks >= 3)
    ink = crop < paper - max(35.0, 0.45 * contrast)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    h, w = crop.shape
    min_area = max(3, round((dpi / 200.0) ** 2 * 5))
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, cw, ch, area = stats[i]
        touches_edge = x == 0 or y == 0 or x + cw == w or y + ch == h
        thin_line = (cw > 0.6 * w and ch <= 4) or (ch > 0.6 * h and cw <= 4)
        if thin_line or (touches_edge and (ch <= 3 or cw <= 3)):
            continue  # ruling remnant
        if area < min_area:
            continue  # dust
        keep[i] = True
    mask = keep[lab]
    # lone small specks far from everything else are dust too (a decimal point sits next to digits)
    comps = [i for i in range(1, n) if keep[i]]
    big = [i for i in comps if stats[i][4] >= 6 * min_area]
    if big:
        bx0 = min(stats[i][0] for i in big) - em(dpi)
        bx1 = max(stats[i][0] + stats[i][2] for i in big) + em(dpi)
        by0 = min(stats[i][1] for i in big) - em(dpi) / 2
        by1 = max(stats[i][1] + stats[i][3] for i in big) + em(dpi) / 2
        for i in comps:
            x, y, cw, ch, _a = stats[i]
            if i not in big and (x + cw < bx0 or x > bx1 or y + ch < by0 or y > by1):
                mask[lab == i] = False
    elif len(comps) < 3 and not is_dot_leader([tuple(stats[i][:4]) for i in comps], dpi):
        mask[:] = False  # one or two specks only: dust on an empty cell (three or more may be dots: read them)
        return mask, len(comps)
    return mask, 0


def is_dot_leader(boxes: list[tuple[int, int, int, int]], dpi: float) -> bool:
    """Three or more small marks on one baseline, evenly spaced: printed dots ("…", "。。。"), not dust."""
    if len(boxes) < 3:
        return False
    ys = sorted(y + h for _x, y, _w, h in boxes)
    xs = sorted(x for x, _y, _w, _h in boxes)
    gaps = np.diff(xs)
    return (ys[-1] - ys[0] <= max(3, 0.15 * em(dpi)) and float(gaps.max()) <= 1.2 * em(dpi)
            and float(gaps.max()) <= 2.5 * max(float(np.median(gaps)), 1.0))


def dotted(mask: np.ndarray, dpi: float) -> bool:
    """Are a cell's marks printed dots on one baseline ("…")."""
    _n, _lab, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return is_dot_leader([tuple(int(v) for v in s[:4]) for s in stats[1:]], dpi)


def split_lines(mask: np.ndarray, dpi: float) -> list[tuple[int, int]]:
    """Row ranges [y0, y1) of the text lines in a cell's ink mask."""
    rows = mask.any(axis=1)
    bands: list[list[int]] = []
    y = 0
    n = len(rows)
    while y < n:
        if rows[y]:
            y0 = y
            while y < n and rows[y]:
                y += 1
            bands.append([y0, y])
        y += 1
    if not bands:
        return []
    # merge bands separated by tiny gaps or too thin to be a line (punctuation, a split stroke)
    min_h = 0.35 * em(dpi)
    merged: list[list[int]] = [bands[0]]
    for b in bands[1:]:
        prev = merged[-1]
        gap = b[0] - prev[1]
        if gap <= max(1, int(0.08 * em(dpi))) or (b[1] - b[0] < min_h and gap < 0.5 * em(dpi)) or \
                (prev[1] - prev[0] < min_h and gap < 0.5 * em(dpi)):
            prev[1] = b[1]
        else:
            merged.append(b)
    return [(a, b) for a, b in merged]


#: faint ink is darker than the paper by this share of the cell's contrast (at least ``WEAK_INK_MIN`` levels):
#: low enough for a thin "一" at 150 dpi, high enough that the noise and JPEG blocks of a harsh 150-dpi scan do
#: not widen a line's crop over empty paper (measured on 150/200-dpi corpus crops: 0.22 → 0.3 reads 2.5% more
#: cells of a harsh scan right, none fewer at 150 or 200 dpi)
WEAK_INK_SHARE = 0.3
WEAK_INK_MIN = 24.0


def weak_ink(crop: np.ndarray) -> np.ndarray:
    """Faint strokes too (thin "一" at 150 dpi is light grey after blur and JPEG)."""
    paper, dark = gray_percentiles(crop, (90, 0.3))
    return crop < paper - max(WEAK_INK_MIN, WEAK_INK_SHARE * (paper - dark))


def line_extent(mask: np.ndarray, weak: np.ndarray, y0: int, y1: int, dpi: float) -> tuple[int, int]:
    """Horizontal extent of a text line: its clear ink, widened over adjacent faint ink."""
    cols = np.nonzero(mask[y0:y1].any(axis=0))[0]
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    faint = weak[y0:y1].any(axis=0)
    step = max(2, int(1.1 * em(dpi)))
    while x0 > 0 and faint[max(0, x0 - step): x0].any():
        x0 = max(0, x0 - step) + int(np.argmax(faint[max(0, x0 - step): x0]))
    while x1 < len(faint) and faint[x1: x1 + step].any():
        x1 = x1 + int(np.nonzero(faint[x1: x1 + step])[0][-1]) + 1
    return x0, x1


#: a band of ink shorter than this share of a text line (a dash, a dot, a low-resolution "一") is cropped as a
#: whole line's height around it, as the recogniser saw such marks in training (measured on corpus crops: 150-dpi
#: cells read 4.7% better, none worse at 200 dpi)
MIN_LINE_SHARE = 0.8


def text_line_band(y0: int, y1: int, height: int, dpi: float) -> tuple[int, int]:
    """The band (y0, y1) widened about its centre to at least ``MIN_LINE_SHARE`` of a text line's height,
    within the cell (``height``)."""
    need = int(MIN_LINE_SHARE * em(dpi))
    if y1 - y0 >= need:
        return y0, y1
    top = max(0, (y0 + y1) // 2 - need // 2)
    return top, min(height, top + need)


def line_crop(crop: np.ndarray, mask: np.ndarray, y0: int, y1: int, dpi: float) -> tuple[np.ndarray, int, int]:
    """Crop of one text line with a margin; with its offset in the cell.  Ink of the neighbouring lines is
    painted over with paper; everything within the line's own band is left as scanned."""
    weak = weak_ink(crop)
    x0, x1 = line_extent(mask, weak, y0, y1, dpi)
    pad = max(2, round(0.18 * (y1 - y0 + 4)))
    ya, yb = max(0, y0 - pad), min(crop.shape[0], y1 + pad)
    xa, xb = max(0, x0 - pad), min(crop.shape[1], x1 + pad)
    piece = crop[ya:yb, xa:xb].copy()
    keep = cv2.dilate(mask[ya:yb, xa:xb].astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    keep[: max(0, y0 - ya - 1)] = False
    keep[y1 - ya + 1:] = False
    paper = int(gray_percentiles(crop, (90,))[0])
    foreign = weak[ya:yb, xa:xb] & ~keep & ~_in_band(piece.shape, y0 - ya, y1 - ya)
    piece[foreign] = paper  # ink of the neighbouring lines
    border = max(2, (y1 - y0) // 4)
    piece = cv2.copyMakeBorder(piece, border, border, border, border, cv2.BORDER_CONSTANT, value=paper)
    return piece, xa, ya


def _in_band(shape: tuple[int, ...], a: int, b: int) -> np.ndarray:
    band = np.zeros(shape, bool)
    band[max(0, a - 1): max(0, b + 1)] = True
    return band


def join_lines(texts: Sequence[str]) -> str:
    """Join the lines of one cell: no space between CJK text, one space between latin words."""
    out = ""
    for t in (t.strip() for t in texts):
        if not t:
            continue
        if out and re.match(r"[A-Za-z0-9]", out[-1]) and re.match(r"[A-Za-z]", t[0]) and \
                re.search(r"[A-Za-z]", out):
            out += " " + t
        else:
            out += t
    return out


_EDGE_PUNCT = ".·,'`:;_"


def clean_text(text: str) -> tuple[str, bool]:
    """Remove dust read as punctuation: a stray dot before/after a number or a CJK text, or between two CJK
    characters.  Returns the text and whether anything was removed."""
    t = text.strip()
    core = t.strip(_EDGE_PUNCT)
    if core != t and core and (_NUMBER.match(core) or (_CJK.search(core[:1]) and _CJK.search(core[-1:]))):
        t = core
    t2 = re.sub(r"(?<=[\u4e00-\u9fff])[.·•](?=[\u4e00-\u9fff])", "", t)
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+\.\d{1,2}", t2):  # "1.046.09": only the last dot can be decimal
        head, _, tail = t2.rpartition(".")
        t2 = head.replace(".", ",") + "." + tail
    return t2, t2 != text.strip()


def text_confidence(lines: Sequence[LineRecognition]) -> float:
    """Weakest character probability over the cell's lines (0 when a line read nothing)."""
    if not lines:
        return 1.0
    confs = [c for r in lines for c in r.char_confidences]
    if any(not r.text for r in lines) or not confs:
        return 0.0
    return float(min(confs))


def plausibility(text: str) -> float:
    """0..1 factor: how plausible a cell text is as printed content of these forms."""
    t = text.replace(" ", "")
    if not t or is_quantity(t):
        return 1.0  # a quantity with its unit (80公斤) is neither a code glued to a name nor two cells read as one
    if _NUMBERISH.match(t):
        if _NUMBER.match(t):
            return 1.0
        if re.fullmatch(r"\d+", t):
            return 1.0
        return 0.5  # e.g. "2,112.86." or "1,5111.90": a misread separator
    if re.search(r"\d", t) and not _CJK.search(t) and re.search(r"[^\d.,%()+\-A-Za-z]", t):
        return 0.5  # digits mixed with stray marks ("9721;800"): a misread separator
    if re.search(r"[|丨｜]", t):
        return 0.3  # a ruling read as a character: the grid missed a boundary inside this cell
    if re.search(r"\d[.,]\d", t) and _CJK.search(t):
        return 0.6  # digits glued to CJK text: likely two things read as one
    if re.match(r"^\d{2,}[\u4e00-\u9fff]", t):
        return 0.5  # a code glued to a name: two columns read as one
    return 1.0


@dataclass(frozen=True, slots=True)
class PreparedCell:
    box: BBox
    crop: np.ndarray
    mask: np.ndarray
    specks: int  # specks dropped from an otherwise empty cell
    ox: int
    oy: int


def prepare_cells(page: PageImage, grid: Grid, spans: Sequence[tuple[int, int, int, int]], shave: int
                  ) -> list[PreparedCell]:
    out = []
    for r, c, rs, cs in spans:
        box = grid.cell_bbox(r, c, rs, cs)
        crop, ox, oy = cell_crop(page.gray, box, shave)
        mask, specks = clean_ink(crop, page.dpi)
        out.append(PreparedCell(box, crop, mask, specks, ox, oy))
    return out


def line_crops(prepared: Sequence[PreparedCell], dpi: float) -> tuple[list[LineCrop], set[int]]:
    """One crop per text line of every inked cell; and the cells holding a band too tall to be one line."""
    crops: list[LineCrop] = []
    tall: set[int] = set()
    for idx, pc in enumerate(prepared):
        if not pc.mask.any():
            continue
        for y0, y1 in split_lines(pc.mask, dpi):
            if y1 - y0 > 1.9 * em(dpi) * 1.35:
                tall.add(idx)
            piece, xa, ya = line_crop(pc.crop, pc.mask, *text_line_band(y0, y1, pc.crop.shape[0], dpi), dpi)
            crops.append(LineCrop(idx, piece, BBox(pc.ox + xa, pc.oy + ya, pc.ox + xa + piece.shape[1],
                                                  pc.oy + ya + piece.shape[0])))
    return crops, tall


#: a cell's confidence is its weakest character probability raised to this power: CTC probabilities of
#: misread characters cluster just below 1, so the scale is stretched there
CONFIDENCE_EXPONENT = 3.0
#: confidence of a cell judged empty although one or two small marks were dropped as dust
DUSTY_EMPTY_CONFIDENCE = 0.85
#: at most this many cells of a table go to the detector fallback (a table of rotated text or of unsplittable
#: giant cells would otherwise cost minutes); the others are read line by line, flagged and sent to review
MAX_DETECTOR_CELLS = 12
MAX_DETECTOR_AREA_EM2 = 250.0
DETECTOR_BUDGET_FLAG = "detector-budget"
DETECTOR_BUDGET_CONFIDENCE = 0.5


def read_cells(page: PageImage, grid: Grid, engine: OcrEngine) -> list[Cell]:
    """Text and confidence of every cell of ``grid``."""
    dpi = page.dpi
    shave = max(2, round(dpi / 70))
    spans = list(grid.spans)
    with stage("prep"):
        prepared = prepare_cells(page, grid, spans, shave)
        crops, tall = line_crops(prepared, dpi)
    over_budget = detector_over_budget(sorted(tall), [prepared[i].crop.size for i in sorted(tall)], dpi)
    tall -= over_budget
    results = engine.recognize_lines([c.image for c in crops]) if crops else []
    noise = noise_specks([pc.crop for pc in prepared], [pc.specks for pc in prepared],
                         [not pc.mask.any() for pc in prepared], em(dpi))
    per_cell: dict[int, list[tuple[LineCrop, LineRecognition]]] = {}
    for lc, res in zip(crops, results, strict=False):
        per_cell.setdefault(lc.cell_index, []).append((lc, res))
    agreed = second_reading(per_cell, tall, engine)
    cells = []
    for idx, ((r, c, rs, cs), pc) in enumerate(zip(spans, prepared, strict=True)):
        box = pc.box
        got = per_cell.get(idx, [])
        flags: list[str] = []
        if idx in tall:
            lines = engine.detect_and_recognize(pc.crop)
            lines = sorted(lines, key=lambda t: (round(t.bbox.top / max(em(dpi), 1)), t.bbox.x0))
            text = join_lines([t.text for t in lines])
            conf = min((t.confidence for t in lines), default=0.0) * 0.9
            flags.append("detector-fallback")
            text_lines = tuple(lines)
        else:
            text = join_lines([res.text for _, res in got])
            conf = text_confidence([res for _, res in got]) ** CONFIDENCE_EXPONENT
            text_lines = tuple(TextLine(text=res.text, confidence=res.confidence, bbox=lc.bbox,
                                        char_confidences=res.char_confidences) for lc, res in got)
            if idx in agreed:
                conf = max(conf, AGREE_CONFIDENCE)
                flags.append("second-reading-agrees")
            if idx in over_budget:
                flags.append(DETECTOR_BUDGET_FLAG)
                conf = min(conf, DETECTOR_BUDGET_CONFIDENCE)
        dash = None if idx in tall else bar_dash(pc.mask, em(dpi))
        if dash is not None:  # a dash by its ink shape (plugins.cells.shape)
            flags.extend(("dash-by-shape",) if text != dash else ())
            text, conf = dash, max(conf, BAR_CONFIDENCE)
        elif idx not in tall and noise_reading(pc.mask, conf, em(dpi), text) and not dotted(pc.mask, dpi):
            text, text_lines = "", ()  # grain read as a character (plugins.cells.blank)
            flags.append("noise-read-as-empty")
            conf = NOISE_CONFIDENCE if noise else DUSTY_EMPTY_CONFIDENCE
        text, cleaned = clean_text(text)
        if cleaned:
            flags.append("stray-punctuation-removed")
        fixed = normalise_cell_text(text)
        if fixed in DASH_READINGS and pc.mask.any():
            cols = np.nonzero(pc.mask.any(axis=0))[0]
            fixed = dash_by_width(fixed, (cols[-1] - cols[0] + 1) / em(dpi))
        if fixed != text:
            text = fixed
            flags.append("misread-normalised")
        if got and not text and "noise-read-as-empty" not in flags:
            flags.append("ink-but-no-text")
        if pc.specks:
            flags.append("specks-dropped")  # the table's own noise (plugins.cells.blank) or a faint mark
            conf = min(conf, NOISE_CONFIDENCE if idx in noise else DUSTY_EMPTY_CONFIDENCE)
        conf *= plausibility(text) * shape_factor(text)
        cells.append(Cell(row=r, col=c, rowspan=rs, colspan=cs, text=text, confidence=round(conf, 4),
                          bbox=box, lines=text_lines, flags=tuple(flags)))
    return apply_structure_confidence(cells, grid)


def second_reading(per_cell: dict[int, list[tuple[LineCrop, LineRecognition]]], tall: set[int],
                   engine: OcrEngine) -> set[int]:
    """The cells whose doubtful first reading a second, differently prepared reading confirms
    (:mod:`plugins.cells.reread`)."""
    cells = [i for i, got in per_cell.items() if i not in tall and doubtful([r for _, r in got])]
    if not cells:
        return set()
    with stage("reread"):
        second = engine.recognize_lines([second_preparation(lc.image) for i in cells for lc, _ in per_cell[i]])
    out, k = set(), 0
    for i in cells:
        n = len(per_cell[i])
        if agree([r for _, r in per_cell[i]], second[k:k + n]):
            out.add(i)
        k += n
    return out


def detector_over_budget(cells: Sequence[int], areas: Sequence[int], dpi: float) -> set[int]:
    """The tall cells (in reading order, with their crop areas) beyond the table's detector budget: more than
    ``MAX_DETECTOR_CELLS`` cells or ``MAX_DETECTOR_AREA_EM2`` square ems of crops in all."""
    budget = MAX_DETECTOR_AREA_EM2 * em(dpi) ** 2
    used, out = 0.0, set()
    for k, (idx, area) in enumerate(zip(cells, areas, strict=True)):
        if k >= MAX_DETECTOR_CELLS or used + area > budget:
            out.add(idx)
        else:
            used += area
    return out


def apply_structure_confidence(cells: list[Cell], grid: Grid) -> list[Cell]:
    """Scale cell confidences by how clearly the table's rulings were drawn (and lower them beside row
    boundaries inferred from whitespace, :func:`plugins.grid.partial.inferred_row_confidence`)."""
    cells = inferred_row_confidence(cells, grid)
    if grid.line_score >= 0.999:
        return cells
    f = 0.5 + 0.5 * grid.line_score
    return [replace(c, confidence=round(c.confidence * f, 4)) for c in cells]


def drop_tall_marks(mask: np.ndarray, max_height: float) -> np.ndarray:
    """``mask`` without connected marks taller than ``max_height`` (a scan's dark page edge, a binding shadow or
    a stray ruling beside a caption, which would join every text line into one band)."""
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    tall = np.nonzero(stats[1:, cv2.CC_STAT_HEIGHT] > max_height)[0] + 1
    if len(tall) == 0:
        return mask
    return mask & ~np.isin(labels, tall)


def caption_bands(gray: np.ndarray, region: BBox, dpi: float) -> list[tuple[int, int, int, int]]:
    """Text-line segments (x0, y0, x1, y1) in ``region``, nearest to its bottom first."""
    x0, y0 = int(max(0, region.x0)), int(max(0, region.top))
    x1, y1 = int(min(gray.shape[1], region.x1)), int(min(gray.shape[0], region.bottom))
    if x1 - x0 < 10 or y1 - y0 < 10:
        return []
    crop = gray[y0:y1, x0:x1]
    mask = drop_tall_marks(clean_ink(crop, dpi)[0], 2.5 * em(dpi))
    out = []
    for a, b in reversed(split_lines(mask, dpi)):
        if b - a < 0.4 * em(dpi):
            continue
        cols = mask[a:b].any(axis=0)
        xs = np.nonzero(cols)[0]
        # split a band into segments at wide horizontal gaps (title vs "单位：万元")
        gap = 2.5 * em(dpi)
        start = prev = int(xs[0])
        for x in xs[1:]:
            if x - prev > gap:
                out.append((x0 + start, y0 + a, x0 + prev + 1, y0 + b))
                start = int(x)
            prev = int(x)
        out.append((x0 + start, y0 + a, x0 + prev + 1, y0 + b))
    # a segment narrower than half a character is a speck of dust or a streak, not text worth reading
    return [s for s in out if s[2] - s[0] >= 0.5 * em(dpi)]


def read_caption(page: PageImage, grid: Grid, upper: float, engine: OcrEngine) -> Caption:
    """The table's printed caption (:func:`pipeline.captions.choose_caption`): its title ("" when there is none:
    continuations), its confidence, the printed unit ("单位：万元" → "万元") and table code ("公开03表"), read from
    the text-line segments between ``upper`` and the table."""
    dpi = page.dpi
    top = max(upper, grid.bbox.top - 12 * em(dpi))
    region = BBox(0, top, page.width, grid.bbox.top - 2)
    segs = caption_bands(page.gray, region, dpi)[:8]
    if not segs:
        return choose_caption([], grid.bbox)
    crops = []
    for x0, y0, x1, y1 in segs:
        pad = max(2, (y1 - y0) // 4)
        crops.append(page.gray[max(0, y0 - pad): y1 + pad, max(0, x0 - pad): x1 + pad])
    results = engine.recognize_lines(crops)
    return choose_caption([Segment(r.text.strip(), x0, x1, r.confidence, y0, y1)
                           for (x0, y0, x1, y1), r in zip(segs, results, strict=False)], grid.bbox)


def is_caption(text: str, x0: float, x1: float, table: BBox) -> bool:
    """Can a line segment (``x0``..``x1``) above ``table`` be its title (:func:`pipeline.captions.is_title`)."""
    return is_title(split_code(text)[1], x0, x1, table)


def caption_extra(caption: Caption) -> TableNotes:
    """The caption's unit and table code as table notes (unset when not printed)."""
    return TableNotes(unit=caption.unit or None, table_code=caption.code or None)


@hookimpl(trylast=True)
def build_table(page: PageImage, grid: Grid, engine: OcrEngine, table_id: str, upper_bound: float,
                config: PipelineConfig) -> Table | None:
    with stage("cells"):
        cells = read_cells(page, grid, engine)
    with stage("caption"):
        caption = read_caption(page, grid, upper_bound, engine)
    return Table(id=table_id, page=page.page_number, bbox=grid.bbox, n_rows=grid.n_rows, n_cols=grid.n_cols,
                 cells=tuple(cells), title=caption.title, title_confidence=round(caption.confidence, 4),
                 structure_confidence=grid.line_score, notes=caption_extra(caption))
