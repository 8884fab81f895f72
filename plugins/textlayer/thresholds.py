"""The thresholds of the text-layer rule and the cell confidences (the rule: :mod:`plugins.textlayer.pdf_chars`)."""

from __future__ import annotations

import re

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
