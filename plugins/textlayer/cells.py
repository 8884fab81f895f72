"""Step 3: table cells and caption from the characters of a usable layer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from pipeline.captions import Caption, Segment, choose_caption
from pipeline.geometry import em as body_em
from pipeline.geometry import upright_chars
from pipeline.interfaces import OcrEngine
from pipeline.model import BBox, Cell, Grid, PageChar, PageImage
from plugins.cells.ink import cell_crop, clean_ink
from plugins.cells.reconstruct import apply_structure_confidence, join_lines, read_cells
from plugins.textlayer.lines import char_height, group_lines, line_text, readable, split_runs
from plugins.textlayer.thresholds import (
    CAPTION_SEGMENTS,
    DISAGREEMENT_PENALTY,
    DISPUTED_CONFIDENCE,
    SUSPECT_GLYPH_CONFIDENCE,
    TEXT_CONFIDENCE,
    TITLE_CONFIDENCE,
    UNMAPPED_CONFIDENCE,
)


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
    top = max(upper, grid.bbox.top - 12 * body_em(page.dpi))
    above = [i for i in idx if top <= (chars[i].bbox.top + chars[i].bbox.bottom) / 2 < grid.bbox.top - 2]
    segments = [Segment(line_text(chars, run.indices), run.bbox.x0, run.bbox.x1, TITLE_CONFIDENCE, run.bbox.top,
                        run.bbox.bottom)
                for line in reversed(group_lines(chars, above))
                for run in split_runs(chars, line, 2.5 * em)][:CAPTION_SEGMENTS]
    caption = choose_caption(segments, grid.bbox)
    return replace(caption, confidence=TITLE_CONFIDENCE if caption.title else 1.0)
