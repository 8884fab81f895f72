"""Printed amounts and units: a cell's text as an exact decimal, its decimals, the caption's unit.

Pure functions over strings (used by the cell stage's caption reader, the records, the checks and the outputs).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Literal

ValueStatus = Literal["value", "na", "text"]


_NUMBER = re.compile(r"^[(（]?[-−]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?[)）]?$")


_NA = re.compile(r"^[-−—–－/／\\·.…]+$")


_CODE = re.compile(r"^\d{2,9}$")


_UNIT = re.compile(r"单位[:：]?\s*(万|千|亿)?(\S)?")


#: digits of the longest amount taken as a number (10^15 yuan with 4 decimals fit well within)
MAX_DIGITS = 24


def parse_value(text: str) -> tuple[ValueStatus, Decimal | None]:
    """A printed amount as an exact decimal ("1,234.50" → 1234.50, "(3.00)" → -3.00, "95.5%" → 95.5); "-",
    "——", "/" are "na" (not applicable, distinct from 0); anything else non-numeric is "text"."""
    t = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if _NA.match(t):
        return "na", None
    if t.endswith("%") and _NUMBER.match(t[:-1]):
        t = t[:-1]
    if _NUMBER.match(t):
        neg = t.startswith(("(", "（", "-", "−")) or "-" in t[:2]
        digits = re.sub(r"[^\d.]", "", t)
        if len(digits) > MAX_DIGITS:  # no printed amount is this long: text, not a number checks overflow on
            return "text", None
        try:
            value = Decimal(digits)
        except InvalidOperation:
            return "text", None
        return "value", -value if neg else value
    return "text", None


def is_amount(text: str) -> bool:
    t = unicodedata.normalize("NFKC", text).strip()
    return bool(_NUMBER.match(t.replace(" ", ""))) and ("." in t or "," in t)


def decimals_of(text: str) -> int:
    t = unicodedata.normalize("NFKC", text)
    return len(t.split(".", 1)[1].rstrip(")）%")) if "." in t else 0


def unit_from_caption(lines: Iterable[str]) -> str:
    """"万元" / "元" / … from a caption line such as "单位：万元" or "金额单位：元"; "" when none is printed.
    The vocabulary is closed (元, 千元, 万元, 亿元), so a misread 元 after 万 ("万先") still means 万元."""
    for line in lines:
        m = _UNIT.search(unicodedata.normalize("NFKC", line).replace(" ", ""))
        if m and m.group(1):
            return m.group(1) + "元"
        if m and m.group(2) == "元":
            return "元"
    return ""
