"""Cell reconstruction: read every cell of a known grid with the recognition model on cell crops.

Per cell (pure functions): ``cell_crop`` (inside the rulings, shaved by the line thickness) ->
``clean_ink`` (binarise against the cell's own paper level, drop ruling remnants and dust specks) ->
``split_lines`` (horizontal projection profile; a multi-line cell becomes one crop per line) -> one batched
recognition call for all line crops of the table -> ``join_lines``.  A band too tall to be one line that
cannot be split goes to the detector (fallback).  The ink steps are :mod:`plugins.cells.ink`; the caption above
the table is read the same way (:mod:`plugins.cells.caption`).

Confidence of a cell = the recogniser's weakest character probability, lowered for signs that the crop may be
misread: ink that produced no text, text shapes that look wrong for a number column, a band that had to be
split by the detector, and rulings the grid was unsure about.  Empty cells with no ink are confident.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.interfaces import LineRecognition, OcrEngine
from pipeline.model import BBox, Cell, Grid, PageImage, Table, TextLine
from pipeline.timing import stage
from plugins.cells.blank import NOISE_CONFIDENCE, noise_reading, noise_specks, only_grain
from plugins.cells.caption import caption_extra, read_caption
from plugins.cells.charconf import settled_confidence
from plugins.cells.ink import (
    LineCrop,
    cell_crop,
    clean_ink,
    dotted,
    em,
    line_crop,
    split_bridged,
    split_lines,
    text_line_band,
)
from plugins.cells.normalise import DASH_READINGS, dash_by_width, normalise_cell_text, undo_lookalikes
from plugins.cells.reread import AGREE_CONFIDENCE, agree, doubtful, second_preparation
from plugins.cells.shape import BAR_CONFIDENCE, bar_dash, is_quantity, shape_factor
from plugins.cells.stray import FLAG as STRAY_FLAG
from plugins.cells.stray import clean_reading
from plugins.grid.partial import inferred_row_confidence

_NUMBER = re.compile(r"^[-+]?\(?[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\)?%?$")
_NUMBERISH = re.compile(r"^[\d.,%()+\-]+$")
#: a comparison sign before a number: a performance target as 绩效目标 tables print it (≥95%, ≤0.56, >90)
_TARGET_SIGN = re.compile(r"^[≥≤＞＜<>]=?")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


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
_LONG_ORDINAL_DOT = re.compile(r"^[一二三四五六七八九十]{2,3}[.·•]")


def clean_text(text: str) -> tuple[str, bool]:
    """Remove dust read as punctuation: a stray dot before/after a number or a CJK text, or between two CJK
    characters.  Returns the text and whether anything was removed."""
    t = text.strip()
    core = t.strip(_EDGE_PUNCT)
    if core != t and core and (_NUMBER.match(core) or (_CJK.search(core[:1]) and _CJK.search(core[-1:]))):
        t = core
    # a dot between CJK characters is dust, except after a leading ordinal of two or more numerals (十四.资源…):
    # that is a blurred 、, which plugins.cells.normalise restores (one numeral may begin a word: 一.般 is 一般)
    lead = _LONG_ORDINAL_DOT.match(t)
    cut = lead.end() if lead else 0
    t2 = t[:cut] + re.sub(r"(?<=[\u4e00-\u9fff])[.·•](?=[\u4e00-\u9fff])", "", t[cut:])
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
    if not t or is_quantity(t) or (_TARGET_SIGN.match(t) and _NUMBER.match(_TARGET_SIGN.sub("", t))):
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
        for y0, y1 in split_bridged(pc.mask, split_lines(pc.mask, dpi), dpi):
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
    results = read_lines(crops, tall, engine)
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
            keep, readings, stray = clean_reading([res for _, res in got])  # plugins.cells.stray
            text = join_lines([res.text for res in readings])
            conf = text_confidence([res for _, res in got]) ** CONFIDENCE_EXPONENT
            text_lines = tuple(TextLine(text=res.text, confidence=res.confidence, bbox=got[i][0].bbox,
                                        char_confidences=res.char_confidences) for i, res in zip(keep, readings,
                                                                                                 strict=True))
            flags.extend((STRAY_FLAG,) if stray else ())
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
            conf = NOISE_CONFIDENCE if noise or only_grain(pc.crop, dpi) else DUSTY_EMPTY_CONFIDENCE
        unmasked = undo_lookalikes(text)
        if unmasked != text:
            flags.append("misread-normalised")
        text, cleaned = clean_text(unmasked)
        if cleaned:
            flags.append("stray-punctuation-removed")
        fixed = normalise_cell_text(text)
        if fixed in DASH_READINGS and pc.mask.any():
            cols = np.nonzero(pc.mask.any(axis=0))[0]
            fixed = dash_by_width(fixed, (cols[-1] - cols[0] + 1) / em(dpi))
        if fixed != text:
            text = fixed
            if "misread-normalised" not in flags:  # a lookalike undone above already said so
                flags.append("misread-normalised")
        if got and not text and "noise-read-as-empty" not in flags:
            flags.append("ink-but-no-text")
        if text and got and idx not in tall | over_budget and dash is None and text not in DASH_READINGS and \
                "noise-read-as-empty" not in flags:  # doubt that leaves the text as written (plugins.cells.charconf)
            conf = max(conf, settled_confidence([res for _, res in got], text, written) ** CONFIDENCE_EXPONENT)
        if pc.specks:
            flags.append("specks-dropped")  # the table's own noise (plugins.cells.blank) or a faint mark
            grain = idx in noise or only_grain(pc.crop, dpi)
            conf = min(conf, NOISE_CONFIDENCE if grain else DUSTY_EMPTY_CONFIDENCE)
        conf *= plausibility(text) * shape_factor(text)
        cells.append(Cell(row=r, col=c, rowspan=rs, colspan=cs, text=text, confidence=round(conf, 4),
                          bbox=box, lines=text_lines, flags=tuple(flags)))
    return apply_structure_confidence(cells, grid)


def read_lines(crops: Sequence[LineCrop], tall: set[int], engine: OcrEngine) -> list[LineRecognition]:
    """Readings of the line crops, in order; a tall cell's lines are not read (the detector reads that cell
    whole), their place holds an empty reading: only that the cell has lines counts."""
    wanted = [k for k, c in enumerate(crops) if c.cell_index not in tall]
    read = engine.recognize_lines([crops[k].image for k in wanted]) if wanted else []
    out = [LineRecognition("", 0.0)] * len(crops)
    for k, res in zip(wanted, read, strict=True):
        out[k] = res
    return out


def written(texts: Sequence[str]) -> str:
    """A cell's text from its lines' readings by the cell reader's cleanup (dust, misread marks)."""
    return normalise_cell_text(clean_text(undo_lookalikes(join_lines(texts)))[0])


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
