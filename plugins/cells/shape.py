"""Text shapes these forms never print, which a blurred low-resolution scan produces: they lower a cell's
confidence (the text is left as read; the reviewer decides).

* An amount or code is digits with separators: a latin letter or a symbol glued to digits with no Chinese text
  around (3i2, 31Q12, 476.85SY, 1357.8€) is a digit misread or a speck read as a letter.
* A label is Chinese text, perhaps with brackets, 、 or a colon: one latin letter, digit or quote mark glued to
  its start or end (X项目支出, 1公务接待费, 本年支出“) is a ruling, a speck or the neighbouring cell's ink read as a
  character.  Real labels that begin with a number carry more than one CJK-free character or punctuation
  (1.一般公共预算资金, 2023年…), which this shape does not match.

And one ink shape these forms always print: a cell whose only ink is one solid thin horizontal bar near the
middle of the cell, clear of its rulings, is a dash ("not applicable") whatever the recogniser made of it
(94, 6一, 1, nothing — a blurred bar at 150 dpi); its length tells which dash (:func:`bar_dash`).
"""

from __future__ import annotations

import re

import cv2
import numpy as np

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LETTER_IN_NUMBER = re.compile(r"[A-Za-z€°£¥§]")
_STRAY = r"[A-Za-z\d“”\"'<>]"
_LABEL = r"[\u4e00-\u9fff（）()、：:]"
_GLUED_HEAD = re.compile(rf"{_STRAY}(?=[\u4e00-\u9fff]{{2}}){_LABEL}+")
_GLUED_TAIL = re.compile(rf"{_LABEL}*[\u4e00-\u9fff]{{2}}{_STRAY}")

#: a quantity with its unit, as performance tables print their target and actual values (80公斤, ≥1.2万亩, 3260户)
_QUANTITY = re.compile(r"^[≥≤<>=＞＜约]*\d[\d,]*(\.\d+)?(万元|元|万亩|亩|户|人次|人|公斤|吨|公里|千米|米|平方米|"
                       r"个|项|次|辆|台|套|座|处|所|家|天|日|个月|年|%|％)$")


def is_quantity(text: str) -> bool:
    """Is ``text`` a number followed by a unit of measure (not a code glued to a name)."""
    return bool(_QUANTITY.match(text.replace(" ", "")))


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


#: a bar is at most this tall (ems of body text), at least this long, and fills this share of its box
BAR_MAX_HEIGHT = 0.25
BAR_MIN_WIDTH = 0.5
BAR_MIN_FILL = 0.6
#: confidence of a dash read from its shape
BAR_CONFIDENCE = 0.95


def bar_dash(mask: np.ndarray, em: float) -> str | None:
    """The dash a cell's ink (``mask``) shows when it is one solid thin horizontal bar in the cell's middle
    band, clear of its edges ("-" under 0.7 em long, "——" from 1.4 em, "—" between); else None."""
    if not mask.any():
        return None
    n, _lab, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n != 2:
        return None
    x, y, w, h, area = (int(v) for v in stats[1])
    height, width = mask.shape
    centre = (y + h / 2) / height
    if h > BAR_MAX_HEIGHT * em or w < BAR_MIN_WIDTH * em or area < BAR_MIN_FILL * w * h:
        return None
    if not 0.2 <= centre <= 0.8 or x == 0 or y == 0 or x + w == width or y + h == height:
        return None
    return "——" if w >= 1.4 * em else "-" if w < 0.7 * em else "—"
