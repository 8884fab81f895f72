"""A table's own vocabulary: a label one character away from a text its column repeats is a misreading.

Columns of free text repeat their phrases: a performance table's deviation column says 目标已完成，无偏差 on row after
row, an item column repeats 基本支出/项目支出 per group.  A reading that differs from such a repeated text of its
column in exactly one Chinese character (目标已完或，无偏差, 自标已完成，无偏差) — same length, the same everywhere
else — is that text with one character misread, however sure the recogniser or a second reading was (the same
model misreads the same pixels the same way).  Its confidence is capped at
:data:`pipeline.document.vocabulary_near.CEILING` (below the default review threshold), flag ``column-near-miss``;
the text is never changed.

The other way round (:func:`document_vocabulary`): a text read with confidence at least ``SURE`` somewhere in the
document is a word of the document's own vocabulary, and a doubtful reading of exactly that text elsewhere (at
least ``MIN_CJK`` Chinese characters; not the beginning of a longer such text) is confirmed as a standard term is
(:mod:`pipeline.document.vocabulary`): a misreading almost never lands on another text printed in the same
document, while a header or label printed on several pages is read clearly on some of them.

Never capped: a text that itself appears twice in the column, a text of the standard vocabulary
(:mod:`pipeline.document.vocabulary_terms`; 数量指标 beside a repeated 质量指标 is a term of its own), and texts
that differ in a numeral or digit (（一）… / （二）…, 2023年… / 2024年…: enumerations differ there by design).  Only
texts with at least ``MIN_CJK`` Chinese characters take part: short words are one character from each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from pipeline.document.vocabulary import standard, vocabulary
from pipeline.document.vocabulary_near import CEILING, normal
from pipeline.model import Cell, Table

FLAG = "column-near-miss"
MIN_CJK = 4
#: a reading at least this sure (the recogniser's own confidence, before any check) is a word of the document
SURE = 0.95
_NUMERALS = frozenset("〇零一二三四五六七八九十百0123456789")


def _cjk(text: str) -> int:
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text)


def one_character_off(text: str, other: str) -> bool:
    """Do ``text`` and ``other`` differ in exactly one position, a Chinese character on both sides that is no
    numeral."""
    if len(text) != len(other):
        return False
    diff = [(a, b) for a, b in zip(text, other, strict=True) if a != b]
    if len(diff) != 1:
        return False
    a, b = diff[0]
    return _cjk(a + b) == 2 and a not in _NUMERALS and b not in _NUMERALS


def column_near_misses(cells: Sequence[Cell]) -> set[tuple[int, int]]:
    """(row, col) of the cells whose text misses a text repeated in their column by one character."""
    by_col: dict[int, list[tuple[Cell, str]]] = {}
    for c in cells:
        t = normal(c.text)
        if _cjk(t) >= MIN_CJK:
            by_col.setdefault(c.col, []).append((c, t))
    vocab = standard()
    out: set[tuple[int, int]] = set()
    for col in by_col.values():
        counts = Counter(t for _c, t in col)
        repeated = [t for t, n in counts.items() if n >= 2]
        for c, t in col:
            if counts[t] >= 2 or t in vocab:
                continue
            if any(one_character_off(t, r) for r in repeated):
                out.add((c.row, c.col))
    return out


def cap_column_near_misses(tables: Sequence[Table]) -> list[Table]:
    """``tables`` with each column near-miss capped at ``CEILING`` and flagged ``column-near-miss`` (the reading's
    own confidence kept as ``ocr_confidence``)."""
    out = []
    for t in tables:
        near = column_near_misses(t.cells)
        if not near:
            out.append(t)
            continue
        cells = []
        for c in t.cells:
            if (c.row, c.col) in near and FLAG in c.flags:
                c = replace(c, confidence=min(c.confidence, CEILING))
            elif (c.row, c.col) in near and c.confidence > CEILING:
                own = c.ocr_confidence if c.ocr_confidence is not None else c.confidence
                c = replace(c, confidence=CEILING, flags=(*c.flags, FLAG), ocr_confidence=own)
            elif (c.row, c.col) in near:
                c = replace(c, flags=(*c.flags, FLAG))
            cells.append(c)
        out.append(replace(t, cells=tuple(cells)))
    return out


def document_vocabulary(tables: Sequence[Table]) -> frozenset[str]:
    """The texts (compare form, at least ``MIN_CJK`` Chinese characters) read with at least ``SURE`` confidence in
    ``tables`` as the reader returned them (before check fusion), usable as vocabulary terms."""
    words = [c.text for t in tables for c in t.cells if c.confidence >= SURE and _cjk(c.text) >= MIN_CJK]
    return frozenset(w for w in vocabulary(words) if _cjk(w) >= MIN_CJK)
