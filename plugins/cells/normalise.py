"""Misreadings that blurred, low-resolution scans (150 dpi, fax-like, heavy JPEG) add to a cell's text, undone
by rules about how these forms are printed — never by a list of expected strings.

* Item names are numbered 一、二、… (the national format for official documents): a Chinese ordinal at the start
  followed by a dot, comma or colon and then CJK text was a blurred "、".
* An item name is such an ordinal, 、 and a standard label (:mod:`pipeline.document.vocabulary_terms`): a Chinese
  ordinal glued to a whole standard label (四公共安全支出, 二十四债务还本支出) lost its 、 to the blur (at 150 dpi the
  recogniser drops the small mark); the longest ordinal whose rest is a label wins.  A text that is a label
  itself (一般公共预算财政拨款收入 begins with 一) is never changed.
* Second-level items are numbered （一）、（二）… in full-width brackets, as Chinese text is typeset: an ordinal
  of Chinese numerals in half-width or mixed brackets at the start of CJK text gets full-width brackets (an
  engine trained on mixed text returns the ASCII forms).
* The disclosures of the mainland are printed in simplified characters: a traditional form the recogniser
  returned (金額, 決算, 頁, 修繕) is the simplified character it was trained to confuse with.  Neither are Greek
  letters printed inside Chinese words: a λ beside a CJK character is the 入 it resembles (收λ).
* An amount never starts with a dot or a bullet and never ends with one; a comma or colon followed by exactly
  two final digits is the decimal point (a thousands separator groups three); two separators in a row before a
  group of three digits were one thousands separator.
* An amount has at most two decimals after its point: a comma or dot among them ("103.4,3") is a speck.  Amounts
  and codes hold no letters: a letter the recogniser confuses with a digit (O, o, Q, D → 0; i, l, I → 1) between
  two digits of a CJK-free cell is that digit (31Q12, 3i2).
* A code and a name are joined by a hyphen (520-临河县卫生健康局): a mid dot between a code of three or more digits
  and CJK text is the short blurred hyphen (a mid dot joins names, never digits to a name).
* A cell holding one dash ("not applicable") with specks read beside it (•一) holds the dash.
* A cell holding one dash ("not applicable") is read by the length of its ink, as typeset: a hyphen is under
  0.7 of a character wide, a double dash "——" about two characters (a blurred dash is read as 一, _ or -
  regardless of its length); one character wide, 一 and — look alike and the reading stands.

Each rule only fires on text that is otherwise well formed, so a correctly read cell is never changed.
"""

from __future__ import annotations

import re

from pipeline.document.vocabulary_near import near_vocabulary, normal

_ORDINAL = re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.,，．:：;；·]+\s*(?=[\u4e00-\u9fff])")
_GLUED_ORDINAL = re.compile(r"^([一二三四五六七八九十]{1,3})(?=[\u4e00-\u9fff])")
_BRACKETED = re.compile(r"^[(（]\s*([一二三四五六七八九十]{1,3})\s*[)）]\s*(?=[\u4e00-\u9fff])")
_NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?$")
_LEAD = re.compile(r"^[.·•,、:;'`\s]+(?=[-+]?\d)")
_TRAIL = re.compile(r"(?<=\d)[.·•,、:;'`\s]+$")
_DECIMAL = re.compile(r"^([-+]?\d+)[,:：](\d{2})$")
_DOUBLE_SEPARATOR = re.compile(r"(?<=\d)[.,]{2}(?=\d{3}(\D|$))")
_SPLIT_DECIMALS = re.compile(r"^([-+]?\d[\d,]*\.\d)[.,](\d)$")
_DIGIT_LOOKALIKE = re.compile(r"(?<=\d)[OoQDilI](?=\d)")
_LOOKALIKE_DIGIT = str.maketrans({"O": "0", "o": "0", "Q": "0", "D": "0", "i": "1", "l": "1", "I": "1"})
_CODE_DOT = re.compile(r"(?<=\d{3})[·•](?=[\u4e00-\u9fff])")
DASH_READINGS = frozenset({"一", "—", "-", "_", "－", "–", "——", "--", "一一", "__", "~"})
#: traditional forms the recogniser returns for characters of these forms' vocabulary (simplified print)
_SIMPLIFIED = str.maketrans({
    "額": "额", "決": "决", "預": "预", "結": "结", "餘": "余", "資": "资", "費": "费", "頁": "页",
    "貼": "贴", "補": "补", "撥": "拨", "調": "调", "項": "项", "務": "务", "經": "经", "營": "营",
    "專": "专", "業": "业", "單": "单", "計": "计", "總": "总", "與": "与", "衛": "卫", "護": "护",
    "農": "农", "區": "区", "會": "会", "運": "运", "車": "车", "購": "购", "儲": "储",
    "備": "备", "債": "债", "應": "应", "災": "灾", "環": "环", "節": "节", "醫": "医", "療": "疗",
    "繕": "缮", "維": "维", "辦": "办", "郵": "邮", "電": "电", "議": "议", "訓": "训", "勞": "劳",
    "託": "托", "稅": "税", "償": "偿", "設": "设", "築": "筑", "產": "产", "進": "进", "發": "发",
    "機": "机", "關": "关", "體": "体", "傳": "传", "險": "险", "養": "养", "職": "职", "獎": "奖",
    "績": "绩", "標": "标", "級": "级", "實": "实", "報": "报", "執": "执", "轉": "转", "輛": "辆",
})
#: a Greek letter the recogniser returns for the CJK character of similar shape; these forms print no Greek
#: letters inside Chinese words (收λ for 收入)
_CJK_LOOKALIKE = re.compile(r"(?<=[\u4e00-\u9fff])λ|λ(?=[\u4e00-\u9fff])")
#: a dash with specks read beside it (•一): dots and bullets around one dash-like run, nothing else
_DASH_CHARS = "一—\\-_－–"
_DASH_AND_SPECKS = re.compile(rf"^[.·•。'`]*[{_DASH_CHARS}]{{1,2}}[.·•。'`]*$")


def undo_lookalikes(text: str) -> str:
    """``text`` with a non-CJK glyph read for the CJK character it resembles put back (收λ -> 收入); applied
    before the dust cleanup, which judges marks by the character they follow."""
    return _CJK_LOOKALIKE.sub("入", text)


def normalise_cell_text(text: str) -> str:
    """``text`` with the misreadings above undone (unchanged when none applies)."""
    t = text.translate(_SIMPLIFIED)
    if _DASH_AND_SPECKS.match(t):
        t = re.sub(rf"[^{_DASH_CHARS}]", "", t)  # specks beside a dash: the cell holds the dash
    t = _ORDINAL.sub(r"\1、", t)
    t = restore_enumeration_comma(t)
    t = _BRACKETED.sub(r"（\1）", t)
    t = _CODE_DOT.sub("-", t)
    if not re.search(r"[\u4e00-\u9fff]", t) and len(_DIGIT_LOOKALIKE.findall(t)) == 1 and \
            len(re.findall(r"[A-Za-z]", t)) == 1:
        t = _DIGIT_LOOKALIKE.sub(lambda m: m.group(0).translate(_LOOKALIKE_DIGIT), t)
    t = _SPLIT_DECIMALS.sub(r"\1\2", t)
    if re.search(r"\d", t) and not re.search(r"[\u4e00-\u9fffA-Za-z]", t):
        core = _DOUBLE_SEPARATOR.sub(",", _TRAIL.sub("", _LEAD.sub("", t)))
        if _NUMBER.match(core):
            t = core
        else:
            m = _DECIMAL.match(core)
            if m:
                t = f"{m.group(1)}.{m.group(2)}"
    return t


def dash_by_width(text: str, width_em: float) -> str:
    """A lone dash-like reading (一, _, -, —, ——) as the dash its ink length shows (``width_em``: the ink's
    width in characters of body text); any other text unchanged."""
    if text.strip() not in DASH_READINGS:
        return text
    if width_em >= 1.4:
        return "——"
    return "-" if width_em < 0.7 else text  # one character wide: 一 and — look alike, the reading stands


def restore_enumeration_comma(text: str) -> str:
    """``四公共安全支出`` -> ``四、公共安全支出``: a Chinese ordinal glued to a whole standard label gets its 、
    back (longest ordinal first); any other text unchanged."""
    vocab = near_vocabulary()
    if not _GLUED_ORDINAL.match(text) or normal(text) in vocab:
        return text
    ordinal = _GLUED_ORDINAL.match(text).group(1)
    for k in range(len(ordinal), 0, -1):
        if normal(text[k:]) in vocab:
            return f"{text[:k]}、{text[k:]}"
    return text
