"""Vocabulary near-misses: a label cell that reads one character away from a term of the tables' fixed vocabulary
is doubtful.

The labels of 部门预算/决算 tables are copied from the standard templates and the 政府收支分类科目
(:mod:`pipeline.document.vocabulary_terms`).  A reading that is exactly one edit (one character inserted, dropped or
changed) away from such a term, and is not itself a term, is almost always that term misread: a blurred
character (科自名称 for 科目名称), a speck or a neighbouring ruling read as a trailing character (项目支出7,
债务付息支出人), or a last character lost (…缴费支 for …缴费支出).  The recogniser can be sure of such a
reading, so its confidence is capped at ``CEILING`` (below the default review threshold 0.9) and the cell is
flagged ``vocabulary-near-miss``; the text is never changed (the reviewer decides).

Only terms of at least ``MIN_CHARS`` characters are used (two- and three-character words are one misreading away
from each other and from ordinary text), and only texts of at least ``MIN_CHARS`` characters after one
ordinal prefix (一、/（二）/1.) and a trailing colon are removed (a label printed as ``年度资金总额：``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from pipeline.document.vocabulary_terms import terms

MIN_CHARS = 4
CEILING = 0.8
FLAG = "vocabulary-near-miss"
_COLON = re.compile(r"[:：]$")
_BLANK = re.compile(r"\s+")
_NUMERAL = "一二三四五六七八九十"
#: one ordinal prefix as :mod:`pipeline.document.vocabulary` strips it (一、 (二) 1. (3)), compare form
ORDINAL = re.compile(rf"^(?:[{_NUMERAL}]{{1,3}}、|\([{_NUMERAL}]{{1,3}}\)|\d{{1,2}}[.、]|\(\d{{1,2}}\))")


def normal(text: str) -> str:
    """Compare form of a text (also :mod:`pipeline.document.vocabulary`'s): NFKC (full-width brackets become ASCII),
    no blanks."""
    return _BLANK.sub("", unicodedata.normalize("NFKC", text))


def deletions(word: str) -> set[str]:
    """``word`` with one character removed, every way."""
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def within_one(a: str, b: str) -> bool:
    """Are ``a`` and ``b`` at most one insertion, deletion or substitution apart."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1:]


@lru_cache(maxsize=4)
def index(words: frozenset[str]) -> dict[str, frozenset[str]]:
    """Each term and each of its one-deletion forms -> the terms it comes from."""
    out: dict[str, set[str]] = {}
    for w in words:
        for key in (w, *deletions(w)):
            out.setdefault(key, set()).add(w)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def near_vocabulary() -> frozenset[str]:
    """All built-in terms in compare form (prefixes of longer terms included), at least ``MIN_CHARS`` long, no
    digits."""
    return frozenset(w for w in map(normal, terms()) if len(w) >= MIN_CHARS and not any(c.isdigit() for c in w))


def near_miss(text: str, words: Iterable[str] | None = None) -> str | None:
    """The term ``text`` misses by exactly one character (after one ordinal prefix), or None when ``text`` is a
    term itself, is too short, or is not that close to any term."""
    vocab = near_vocabulary() if words is None else frozenset(words)
    idx = index(vocab)
    t = _COLON.sub("", normal(text))
    forms = [t]
    rest = ORDINAL.sub("", t, count=1)
    if rest != t:
        forms.append(rest)
    if any(f in vocab for f in forms):
        return None
    for f in forms:
        if len(f) < MIN_CHARS:
            continue
        for key in (f, *deletions(f)):
            for w in sorted(idx.get(key, ())):
                if within_one(f, w):
                    return w
    return None
