"""Vocabulary confirmation: a label cell that reads exactly as a term of the tables' fixed vocabulary is trusted.

Column labels and subject names of 部门预算/决算 tables are not free text: they are copied from the standard table
templates and the 政府收支分类科目 (:mod:`pipeline.document.vocabulary_terms`).  A recogniser unsure of such a cell (a
harsh, low-resolution scan) is usually right when its whole reading is exactly one of these terms, because a
misreading almost never lands on another valid term of three or more characters.  Arithmetic cannot confirm a
label, so this is the only confirmation a label gets.

Rule, applied after check fusion (:func:`pipeline.document.fusion.fuse`): a cell whose text — NFKC, blanks removed, one
ordinal prefix such as ``一、``/``(二)``/``1.`` removed — is exactly a vocabulary term of at least ``MIN_CHARS``
characters gets its confidence raised to at least ``FLOOR`` (just above the default review threshold 0.9), flag
``vocabulary``; the reading's own confidence is kept as ``ocr_confidence``.  Never raised: a text that differs
from every term in any character (科自名称 stays as read), a text with a digit (amounts, codes), a cell capped by
structure doubt (flag ``structure``) or in a failing check only (flag ``check:fail``).

The other way round (:mod:`pipeline.document.vocabulary_near`): a text exactly one character away from a term (科自名称,
项目支出7, 债务付息支出人) is a misreading however sure the recogniser was: its confidence is capped below the
review threshold, flag ``vocabulary-near-miss``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

from pipeline.document.vocabulary_near import CEILING as NEAR_CEILING
from pipeline.document.vocabulary_near import FLAG as NEAR_FLAG
from pipeline.document.vocabulary_near import ORDINAL as _ORDINAL
from pipeline.document.vocabulary_near import near_miss, normal
from pipeline.document.vocabulary_terms import terms
from pipeline.model import Cell, Table

FLOOR = 0.95
MIN_CHARS = 3
FLAG = "vocabulary"
#: flags of a cell that structure or arithmetic casts doubt on: never raised
VETO = ("structure", "check:fail")


def vocabulary(words: Iterable[str]) -> frozenset[str]:
    """The usable terms of ``words``: compare form, at least ``MIN_CHARS`` characters, no digit, and not the
    beginning of a longer term (社会效益 is what a reading of 社会效益指标 that lost its last characters or its
    wrapped second line gives)."""
    out = {normal(w) for w in words}
    usable = {w for w in out if len(w) >= MIN_CHARS and not any(ch.isdigit() for ch in w)}
    return frozenset(w for w in usable if not any(o != w and o.startswith(w) for o in out))


@lru_cache(maxsize=1)
def standard() -> frozenset[str]:
    """The built-in vocabulary (:mod:`pipeline.document.vocabulary_terms`)."""
    return vocabulary(terms())


def term_of(text: str, vocab: frozenset[str]) -> str | None:
    """The vocabulary term ``text`` reads as exactly (after one ordinal prefix), or None."""
    t = normal(text)
    if t in vocab:
        return t
    rest = _ORDINAL.sub("", t, count=1)
    return rest if rest != t and rest in vocab else None


def raised(text: str, confidence: float, flags: Sequence[str], vocab: frozenset[str] | None = None
           ) -> tuple[float, tuple[str, ...]]:
    """A cell's confidence and flags after vocabulary confirmation (stale ``vocabulary`` flags dropped first),
    or capped as a near-miss of the built-in vocabulary;
    shared by the pipeline and the review server's re-fusion after corrections."""
    kept = tuple(f for f in flags if f not in (FLAG, NEAR_FLAG))
    v = standard() if vocab is None else vocab
    if near_miss(text) is not None:
        return min(confidence, NEAR_CEILING), (*kept, NEAR_FLAG)
    if confidence >= FLOOR or any(f in kept for f in VETO) or term_of(text, v) is None:
        return confidence, kept
    return FLOOR, (*kept, FLAG)


def confirmed(c: Cell, vocab: frozenset[str]) -> Cell:
    conf, flags = raised(c.text, c.confidence, c.flags, vocab)
    if conf == c.confidence:
        return c
    own = c.ocr_confidence if c.ocr_confidence is not None else c.confidence
    return replace(c, confidence=conf, flags=flags, ocr_confidence=own)


def confirm_vocabulary(tables: Sequence[Table], vocab: frozenset[str] | None = None) -> list[Table]:
    """``tables`` with every label cell that reads exactly as a vocabulary term raised to ``FLOOR``."""
    v = standard() if vocab is None else vocab
    return [replace(t, cells=tuple(confirmed(c, v) for c in t.cells)) for t in tables]
