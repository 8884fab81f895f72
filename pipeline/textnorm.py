"""Text as the scorer compares it: NFKC, dashes unified, whitespace and thousands separators removed."""

from __future__ import annotations

import re
import unicodedata

_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d", "-"))
_WHITESPACE = re.compile(r"\s+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def normalize(text: object) -> str:
    """NFKC, dashes unified, whitespace and thousands separators removed ("２，９４０．０５" -> "2940.05")."""
    if text is None:
        return ""
    t = _WHITESPACE.sub("", unicodedata.normalize("NFKC", str(text)).translate(_DASHES))
    return _THOUSANDS.sub("", t)
