"""Marks that are not print, dropped from a cell's reading by the recogniser's own per-character probabilities
and rules about how these forms are printed — never by a list of expected strings.

A harsh scan carries hairs, fibres and grain, and a cell crop may keep a remnant of its ruling or of the
neighbouring cell's ink.  The recogniser reads such a mark as a character, and its CTC probability for that
character is low:

* **A junk line.**  A text line of a multi-line cell whose every character is doubtful (below
  ``JUNK_LINE_MAX``) and which holds no CJK character (or is very doubtful, below ``JUNK_CJK_MAX``) — a hair
  above or below the text read as "X", "K", "1", "SY" — is dropped when another line of the cell reads clearly
  (its weakest character at least ``CLEAR_LINE_MIN``).  Text is printed as lines of characters, not as a lone
  faint letter beside a clear label.
* **A stray edge character.**  The first or last character of a line that these forms never print there — a
  latin letter glued to digits or CJK text (7a, 476.85SY), a quote mark, tilde, caret, angle bracket or degree
  sign, a pause or comma opening a line (a line never begins with 、，。：； in Chinese typesetting), a comma or
  pause ending the cell — is dropped when its own probability is below ``EDGE_MAX`` while the rest of the line
  reads clearly (median probability at least ``EDGE_REST_MEDIAN``).  Latin letters are kept where the line
  holds other latin letters (GDP, PM2.5).  So is a run of two or more doubtful (below ``JUNK_LINE_MAX``)
  non-CJK characters glued to the end of clear CJK text (出C2648: a hair beside 出).

The cell's confidence is not raised by a repair (it is computed from the reading as the recogniser gave it);
the cell carries the flag ``stray-mark-dropped``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from pipeline.interfaces import LineRecognition

FLAG = "stray-mark-dropped"
JUNK_LINE_MAX = 0.6
JUNK_CJK_MAX = 0.3
CLEAR_LINE_MIN = 0.9
EDGE_MAX = 0.7
EDGE_REST_MEDIAN = 0.9

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_SYMBOLS = frozenset("“”\"'`~^<>°¬")
_NO_LINE_START = frozenset("、，,。：:；;")
_NO_CELL_END = frozenset("、，,")


def _usable(r: LineRecognition) -> bool:
    return bool(r.text) and len(r.char_confidences) == len(r.text)


def junk_line(r: LineRecognition) -> bool:
    """Is a line's whole reading doubtful marks rather than text (see the module doc)."""
    if not _usable(r) or not r.text.strip():
        return False
    top = max(c for ch, c in zip(r.text, r.char_confidences, strict=True) if not ch.isspace())
    return top < (JUNK_CJK_MAX if _CJK.search(r.text) else JUNK_LINE_MAX)


def clear_line(r: LineRecognition) -> bool:
    return _usable(r) and min(r.char_confidences) >= CLEAR_LINE_MIN


def drop_junk_lines(lines: Sequence[LineRecognition]) -> list[int]:
    """Indices of the lines of one cell to keep (all of them unless a junk line sits beside a clear one)."""
    junk = [i for i, r in enumerate(lines) if junk_line(r)]
    if not junk or not any(clear_line(r) for i, r in enumerate(lines) if i not in junk):
        return list(range(len(lines)))
    return [i for i in range(len(lines)) if i not in junk]


def _stray_char(ch: str, line: str, start: bool, cell_end: bool) -> bool:
    if ch in _SYMBOLS:
        return True
    if _LATIN.fullmatch(ch):
        return len(_LATIN.findall(line)) == 1
    if start:
        return ch in _NO_LINE_START
    return cell_end and ch in _NO_CELL_END


def _trim_side(text: str, confs: list[float], start: bool, cell_end: bool) -> bool:
    """Drop the stray character at one end of ``text``/``confs`` in place (both lists); True when dropped."""
    k = 0 if start else len(text) - 1
    rest = [c for i, (ch, c) in enumerate(zip(text, confs, strict=True)) if i != k and not ch.isspace()]
    if not rest or not _stray_char(text[k], "".join(text), start, cell_end):
        return False
    if confs[k] >= EDGE_MAX or float(np.median(rest)) < EDGE_REST_MEDIAN:
        return False
    del text[k]
    del confs[k]
    while text and text[0 if start else -1].isspace():  # the gap the mark left ("c 1")
        del text[0 if start else -1]
        del confs[0 if start else -1]
    return True


def _trim_tail_run(text: list[str], confs: list[float]) -> bool:
    """Drop a doubtful run of marks glued to the end of CJK text ("出C2648": a hair beside a character)."""
    k = len(text)
    while k > 0 and not _CJK.match(text[k - 1]) and confs[k - 1] < JUNK_LINE_MAX:
        k -= 1
    head = [c for ch, c in zip(text[:k], confs[:k], strict=True) if not ch.isspace()]
    if len(text) - k < 2 or k == 0 or not _CJK.match(text[k - 1]) or float(np.median(head)) < EDGE_REST_MEDIAN:
        return False
    if any(ch.isspace() for ch in text[k:]):
        return False  # a separate word, not marks glued to the text
    del text[k:]
    del confs[k:]
    return True


def trim_stray_edges(r: LineRecognition, cell_end: bool) -> LineRecognition:
    """``r`` without a stray first and last character (see the module doc); ``cell_end``: this is the cell's
    last line."""
    if not _usable(r) or len(r.text.strip()) < 2:
        return r
    text, confs = list(r.text.strip()), list(r.char_confidences)
    if len(text) != len(confs):  # surrounding spaces: keep the probabilities aligned
        lead = len(r.text) - len(r.text.lstrip())
        confs = confs[lead: lead + len(text)]
    changed = _trim_side(text, confs, True, cell_end)
    changed = _trim_side(text, confs, False, cell_end) or changed
    changed = _trim_tail_run(text, confs) or changed
    if not changed:
        return r
    return LineRecognition("".join(text), r.confidence, tuple(confs))


def clean_reading(lines: Sequence[LineRecognition]) -> tuple[list[int], list[LineRecognition], bool]:
    """The lines of one cell to keep (indices), their readings without stray edge characters, and whether
    anything was dropped."""
    keep = drop_junk_lines(lines)
    out = [trim_stray_edges(lines[i], cell_end=(k == len(keep) - 1)) for k, i in enumerate(keep)]
    changed = len(keep) != len(lines) or any(a is not b for a, b in zip((lines[i] for i in keep), out,
                                                                       strict=True))
    return keep, out, changed
