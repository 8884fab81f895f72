"""Does a page read upright by its own cells?  Then it needs no upside-down vote.

Deciding whether a page is upside down costs a second pass of the recogniser over text-line crops read both
ways up (``estimate_orientation`` with an engine).  A page's cells are read anyway, and a page read the right
way up says so: its CJK labels read with near-certain character probabilities.  Read upside down, CJK text
turns into rare characters and fragments at low probability (on an upside-down corpus page: 17% of the
lines at >= 0.9 against 98% the right way up, and turning the upright pages of the corpus over gives the
same picture).  So the page is taken as upright, without the vote, only when it has enough CJK lines and
nearly all of them are confident; a page without tables, with few text lines, or with weak readings
(a poor scan) still gets the vote.  Digits alone never decide: "0", "1", "8" read the same either way up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.interfaces import LineRecognition
from pipeline.model import Table

#: a line counts as CJK text when it holds at least this many CJK characters
MIN_CJK_CHARS = 2
#: lines of CJK text the page's cells must hold before their readings can decide
MIN_CJK_LINES = 6
#: a line is read confidently when its mean character probability reaches this
CONFIDENT = 0.9
#: share of the CJK lines that must be read confidently
MIN_CONFIDENT_SHARE = 0.8

_CJK = re.compile(r"[\u4e00-\u9fff]")


def cjk_line_confidences(tables: Sequence[Table]) -> list[float]:
    """Mean character probability of every recognised cell line holding CJK text."""
    return [line.confidence for t in tables for c in t.cells for line in c.lines
            if len(_CJK.findall(line.text)) >= MIN_CJK_CHARS]


def confidently_upright(confidences: Sequence[float], min_lines: int = MIN_CJK_LINES,
                        min_share: float = MIN_CONFIDENT_SHARE) -> bool:
    """At least ``min_lines`` CJK lines, and at least ``min_share`` of them read with confidence."""
    if len(confidences) < min_lines:
        return False
    return sum(c >= CONFIDENT for c in confidences) >= min_share * len(confidences)


def reads_upright(tables: Sequence[Table]) -> bool:
    """Whether the cells of ``tables`` (read from one page) show that the page is the right way up."""
    return confidently_upright(cjk_line_confidences(tables))


def lines_read_upright(readings: Sequence[LineRecognition], min_lines: int) -> bool:
    """Whether every one of ``readings`` (at least ``min_lines``) is a confidently read CJK line: text-line
    crops read as they are that leave no doubt (the upside-down vote then needs no turned reading)."""
    confs = [r.confidence for r in readings if len(_CJK.findall(r.text)) >= MIN_CJK_CHARS]
    return len(confs) == len(readings) and confidently_upright(confs, min_lines, 1.0)
