"""Text shapes these forms never print, which a blurred low-resolution scan produces: they lower a cell's
confidence (the text is left as read; the reviewer decides).

* An amount or code is digits with separators: a latin letter or a symbol glued to digits with no Chinese text
  around (3i2, 31Q12, 476.85SY, 1357.8€) is a digit misread or a speck read as a letter.
* A label is Chinese text, perhaps with brackets, 、 or a colon: one latin letter, digit or quote mark glued to
  its start or end (X项目支出, 1公务接待费, 本年支出“) is a ruling, a speck or the neighbouring cell's ink read as a
  character.  Real labels that begin with a number carry more than one CJK-free character or punctuation
  (1.一般公共预算资金, 2023年…), which this shape does not match.
"""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LETTER_IN_NUMBER = re.compile(r"[A-Za-z€°£¥§]")
_STRAY = r"[A-Za-z\d“”\"'<>]"
_LABEL = r"[\u4e00-\u9fff（）()、：:]"
_GLUED_HEAD = re.compile(rf"{_STRAY}(?=[\u4e00-\u9fff]{{2}}){_LABEL}+")
_GLUED_TAIL = re.compile(rf"{_LABEL}*[\u4e00-\u9fff]{{2}}{_STRAY}")

#: confidence factor of a number with a letter glued in, and of a label with a stray character at an end
LETTER_IN_NUMBER_FACTOR = 0.5
STRAY_END_FACTOR = 0.6


def shape_factor(text: str) -> float:
    """0..1 factor by which a cell's confidence is lowered for an implausible text shape (1.0: none)."""
    t = text.replace(" ", "")
    if re.search(r"\d", t) and not _CJK.search(t) and _LETTER_IN_NUMBER.search(t):
        return LETTER_IN_NUMBER_FACTOR
    if _GLUED_HEAD.fullmatch(t) or _GLUED_TAIL.fullmatch(t):
        return STRAY_END_FACTOR
    return 1.0
