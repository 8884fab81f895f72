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
page's other numbers (``pipeline.document.fusion``, flag ``text-layer-doubt``).  A cell with ink but no characters is
never confidently empty: it is read by OCR (flag ``text-layer-missing``).  The caption is the nearest
centred line of characters above the table, chosen by the same rule as the OCR path.
"""


from __future__ import annotations

from dataclasses import replace

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.interfaces import OcrEngine
from pipeline.model import Grid, PageImage, Table, TextLayerCheck
from plugins.cells.caption import caption_extra
from plugins.textlayer.cells import (
    assign_chars,
    caption_from_chars,
    cell_from_chars,
    cell_text,
    has_ink,
    page_confidence,
    read_cells_from_chars,
)
from plugins.textlayer.lines import Run, char_height, group_lines, line_text, readable, split_runs, visible
from plugins.textlayer.thresholds import (  # the rule's thresholds, named in the docstring above
    CAPTION_SEGMENTS,
    DIGIT_SAMPLES,
    DISAGREEMENT_PENALTY,
    DISPUTED_CONFIDENCE,
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
    SUSPECT_GLYPH_CONFIDENCE,
    TEXT_CONFIDENCE,
    TITLE_CONFIDENCE,
    UNMAPPED_CONFIDENCE,
)
from plugins.textlayer.usable import (
    assess,
    digit_cover,
    dominant_rotation,
    drawn,
    ink_coverage,
    ink_masks,
    normalise,
    run_crop,
    sample_runs,
    similarity,
    substituted_digits,
    text_runs,
    window,
)

__all__ = [
    "CAPTION_SEGMENTS", "DIGIT_SAMPLES", "DISAGREEMENT_PENALTY", "DISPUTED_CONFIDENCE", "MATCH_SIMILARITY",
    "MAX_ANGLE_OFF", "MAX_DIGIT_RUNS", "MIN_AGREEMENT", "MIN_CHARS", "MIN_CHARS_DRAWN", "MIN_INK_COVERAGE",
    "MIN_MAPPED", "SAMPLE_CHARS", "SAMPLE_SIZE", "SUSPECT_GLYPH_CONFIDENCE", "TEXT_CONFIDENCE", "TITLE_CONFIDENCE",
    "UNMAPPED_CONFIDENCE", "Run", "assess", "assign_chars", "build_table", "caption_from_chars", "cell_from_chars",
    "cell_text", "char_height", "check_text_layer", "digit_cover", "dominant_rotation", "drawn", "group_lines",
    "has_ink", "ink_coverage", "ink_masks", "line_text", "normalise", "page_confidence", "read_cells_from_chars",
    "readable", "run_crop", "sample_runs", "similarity", "split_runs", "substituted_digits", "text_runs", "visible",
    "window",
]


@hookimpl
def check_text_layer(page: PageImage, engine: OcrEngine, config: PipelineConfig) -> TextLayerCheck | None:
    return assess(page, engine)



@hookimpl
def build_table(page: PageImage, grid: Grid, engine: OcrEngine, table_id: str, upper_bound: float,
                config: PipelineConfig) -> Table | None:
    if page.text_source != "text_layer":
        return None  # the OCR path (plugins.cells.reconstruct) reads this page
    cells = read_cells_from_chars(page, grid, engine)
    caption = caption_from_chars(page, grid, upper_bound)
    return Table(id=table_id, page=page.page_number, bbox=grid.bbox, n_rows=grid.n_rows, n_cols=grid.n_cols,
                 cells=tuple(cells), title=caption.title, title_confidence=caption.confidence,
                 structure_confidence=grid.line_score, notes=replace(caption_extra(caption), text_source="text_layer"))
