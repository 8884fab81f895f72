"""Empty cells with specks: the page's own noise, or a faint mark worth a look.

:func:`plugins.cells.ink.clean_ink` drops one or two small marks from an otherwise empty cell as dust and
the cell is read as empty with a lowered confidence (they might have been a faint dot or dash).  On a clean
200-dpi scan that is rare (about one empty cell in a hundred) and worth a reviewer's glance.  On a harsh scan
(150 dpi, JPEG, grain) specks are everywhere — a third of a table's empty cells may carry some — and flagging them
all buries the real doubts.  The page tells which it is: when specks are common among a table's empty cells,
specks no bigger than that table's typical specks are its noise and the cell is confidently empty; a cell with
markedly more dark ink than the typical speck (a lost "…" or "-") keeps its doubt.  No dpi constant: the rule
measures the table itself.

Grain bigger than dust survives cleaning and is read as something (M, •, 2e, 國, a stray digit): a cell whose ink
is less than the thinnest printed character ("1" is about 0.11 square ems of ink at any resolution) and whose
reading the recogniser doubts is read as empty (:func:`noise_reading`) — unless its marks are dots on one
baseline (a printed "…", :func:`plugins.cells.ink.is_dot_leader`).  Junk in an empty cell is a wrong
cell, adds false neighbours to the table's structure and breaks the row's arithmetic, flagging all its cells.

A table too small for its own statistics (a three-row table, a performance table with three empty cells) still
shows what its marks are (:func:`only_grain`): when every mark in a cell read as empty is either a remnant of a
ruling (one or two pixels thin, touching the cell's edge) or a speck smaller than the full stop of the body text
(``DOT_EM``), and there are at most two specks of dust size, nothing printable is there — a dash is longer, a
character bigger, a "…" three dots — and the cell is confidently empty, whatever the rest of the table shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from pipeline.geometry import em as body_em
from plugins.cells.ink import gray_percentiles

#: specks count as the table's noise when at least this share of its empty cells carry some …
NOISY_SHARE = 0.05
#: … and at least this many
MIN_DUSTY = 3
#: a cell's speck ink up to this multiple of the median over the table's dusty cells is noise
NOISE_FACTOR = 2.0
#: confidence of an empty cell whose specks are the table's noise (above the default review threshold)
NOISE_CONFIDENCE = 0.95
#: a pixel is dark ink when darker than the cell's paper level by this many grey levels
DARK = 60.0


def speck_ink(crop: np.ndarray, em: float) -> float:
    """Dark ink in a cell's crop, in square ems of body text (0 for an empty crop)."""
    if crop.size == 0:
        return 0.0
    paper = float(np.percentile(crop, 90))
    return float(np.count_nonzero(crop < paper - DARK)) / max(em * em, 1.0)


def noise_specks(crops: Sequence[np.ndarray], specks: Sequence[int], blank: Sequence[bool], em: float
                 ) -> set[int]:
    """Indices of the cells (read as empty, with specks dropped) whose specks are the table's own noise."""
    dusty = [i for i, (s, b) in enumerate(zip(specks, blank, strict=True)) if b and s]
    n_blank = sum(blank)
    if len(dusty) < MIN_DUSTY or len(dusty) < NOISY_SHARE * n_blank:
        return set()
    ink = {i: speck_ink(crops[i], em) for i in dusty}
    limit = NOISE_FACTOR * float(np.median(list(ink.values())))
    return {i for i, v in ink.items() if v <= limit}


#: a cell with less ink than this (square ems: a printed "1" has about 0.11) …
NOISE_INK_EM2 = 0.1
#: … and a reading below this confidence (the cell's recognition confidence) holds no character: it is grain
NOISE_READ_CONFIDENCE = 0.5


#: whatever the confidence, a one-character reading (a letter, digit or CJK character) needs at least this much
#: ink (square ems; a printed "1", the thinnest, has about 0.11): less is grain read as a character (國)
MIN_INK_PER_CHAR_EM2 = 0.06
#: a doubted reading of at most this many Latin letters and nothing else is grain (hairs read as 'dA', 'MS', 'ue')
MAX_LETTER_NOISE = 3
_MARKS = frozenset("-—–_一~.·•…。、,，'`")


def noise_reading(mask: np.ndarray, confidence: float, em: float, text: str = "") -> bool:
    """Is a cell's ink (``mask``) too little for a printed character and its reading doubted (``confidence``),
    or too little for the one character read (``text``, dashes and dots aside): grain read as a character."""
    if not mask.any():
        return False
    ink = float(np.count_nonzero(mask)) / (em * em)
    if confidence < NOISE_READ_CONFIDENCE and ink < NOISE_INK_EM2:
        return True
    chars = [c for c in text if not c.isspace()]
    if confidence < NOISE_READ_CONFIDENCE and 0 < len(chars) <= MAX_LETTER_NOISE and \
            all(c.isascii() and c.isalpha() for c in chars):
        return True  # a doubted reading of a few Latin letters alone: these forms print none, it is a hair or grain
    return len(chars) == 1 and chars[0] not in _MARKS and ink < MIN_INK_PER_CHAR_EM2


#: a speck no longer than this (ems of body text; a printed full stop is about 0.15) is no printed mark
DOT_EM = 0.3
#: a mark at most this thin (ems; at least 2 pixels) touching the cell's edge is a remnant of its ruling (printed
#: text keeps its distance from the rulings)
RESIDUE_EM = 0.15


def only_grain(crop: np.ndarray, dpi: float) -> bool:
    """Are all marks of a cell's crop ruling remnants or at most two dust specks smaller than a printed dot."""
    if crop.size == 0:
        return True
    em = body_em(dpi)
    paper, dark = gray_percentiles(crop, (90, 0.3))
    contrast = paper - dark
    ink = crop < (paper - max(35.0, 0.45 * contrast) if contrast >= 40 else paper - 80)
    _n, _lab, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    h, w = crop.shape
    thin = max(2, round(RESIDUE_EM * em))
    min_area = max(3, round((dpi / 200.0) ** 2 * 5))
    specks = 0
    for x, y, cw, ch, area in stats[1:]:
        at_edge = x == 0 or y == 0 or x + cw == w or y + ch == h
        if at_edge and min(cw, ch) <= thin:
            continue  # ruling remnant
        if max(cw, ch) > DOT_EM * em:
            return False  # bigger than any speck: a stroke, a dash, a hair
        specks += area >= min_area
    return specks <= 2
