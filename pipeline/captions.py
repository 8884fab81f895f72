"""The caption above a table: its title, its printed table code and its unit, from the text lines above it.

Disclosures print a small block above each table, in many layouts: the title alone with a unit line
(``单位：万元``); the title, then a code line (``公开01表``) and a meta line
(``部门名称：…  2023年度  金额单位：万元``); a coded title (``公开03表：支出预算总表``); a part heading
(``第二部分 …部门决算表``) or a page number above it all.
The rule is the same for all of them: the title is the nearest line above the table, centred on it, that is
neither a code line, a meta line (department / unit / year / date / amount unit / notes), a part heading nor a
page number.  A code printed with the title is split off into ``code``; a code printed on its own line is the
table's code too.  The unit comes from whichever line carries it.

Pure functions on (text, x0, x1) segments, nearest first: the OCR path (``plugins.cells.reconstruct``) and the
text-layer path (``plugins.textlayer.pdf_chars``) read the lines their own way and share this rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.document.numbers import unit_from_caption
from pipeline.model import BBox

_CJK = re.compile(r"[\u3400-\u9fff]")
#: a table's number: arabic ("03", "1-2") or a Chinese numeral ("三", "十二")
_NUMBER = r"(?:[0-9]{1,2}(?:[-－—][0-9]{1,2})?|[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九])"
#: a table code: "公开03表", "附表3", "表1-2", "表三", "部门预算公开表3", "附件3"
_CODE = (rf"(?:(?:(?:部门)?(?:预算|决算)?公开|附)?(?:表\s*{_NUMBER}|[0-9]{{1,2}}\s*表)"
         rf"|附件\s*{_NUMBER}(?:[-－—][0-9]{{1,2}})?)")
#: a code line: "公开01表", "附表3", "表1-2" alone (possibly in brackets)
_CODE_LINE = re.compile(rf"^[（(【\[]?({_CODE})[)）】\]]?$")
#: a coded title: the code before the title ("公开03表：支出预算总表") or after it ("支出预算总表（公开03表）")
_CODE_HEAD = re.compile(rf"^({_CODE})\s*[:：.、．\-—_\s]?\s*(.+)$")
_CODE_TAIL = re.compile(rf"^(.+?)\s*[（(【\[]({_CODE})[)）】\]]$")
#: meta lines: department / unit / compiling office, amount unit, a bare year or date, notes, page numbers
_META = re.compile(
    r"(部门名称|单位名称|部门[:：]|单位[:：]|编制单位|编制部门|编报单位|填报单位|填报部门|预算单位|主管部门|报送单位"
    r"|金额单位|计量单位|^单位|万元$|^元$|^注[:：]|^说明[:：]|^填报日期|^日期[:：]"
    r"|^\W*[0-9]{4}年度?\W*$|^\W*[0-9]{4}年[0-9]{1,2}月([0-9]{1,2}日)?\W*$|^[0-9]{4}[-./][0-9]{1,2}"
    r"|^第[0-9]+页|^[-—]?[0-9]+[-—]?$|^共[0-9]+页)")
#: a part heading of the document ("第二部分 2023年部门决算表"), never a table's own title
_PART = re.compile(r"^第[一二三四五六七八九十0-9]{1,3}部分")
#: the continuation mark of a title printed again on the next page: "支出决算表（续）", "续表", "(续表1)"
_CONTINUED = re.compile(r"([（(]续(表[0-9]*)?[)）]|续表[0-9]*|[（(]接上页[)）])\W*$|^续表")


@dataclass(frozen=True, slots=True)
class Segment:
    """One text-line segment above a table, as read (page pixels)."""

    text: str
    x0: float
    x1: float
    confidence: float = 1.0
    top: float = 0.0  # the line's vertical extent; 0/0 when the reader does not say (no two-line titles then)
    bottom: float = 0.0


@dataclass(frozen=True, slots=True)
class Caption:
    title: str  # "" when none is printed (continuations)
    confidence: float
    unit: str  # "万元" / "元" / ... ; "" when none is printed
    code: str  # "公开03表" ... ; "" when none is printed


def _compact(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").strip()


def split_code(text: str) -> tuple[str, str]:
    """(table code, title) of a printed line: ("公开03表", "支出预算总表") for "公开03表：支出预算总表",
    (code, "") for a code line alone, ("", text) when no code is printed with it.  Spaces are kept while the
    code is split off (a space ends "表三" before "一般公共预算…"), the code comes back without them."""
    t = _compact(text)
    m = _CODE_LINE.match(t)
    if m:
        return m.group(1), ""
    spaced = unicodedata.normalize("NFKC", text).strip()
    m = _CODE_HEAD.match(spaced)
    if m and _CJK.search(m.group(2)):
        return _compact(m.group(1)), m.group(2).strip()
    m = _CODE_TAIL.match(spaced)
    if m and _CJK.search(m.group(1)):
        return _compact(m.group(2)), m.group(1).strip()
    return "", text.strip()


def is_meta_line(text: str) -> bool:
    """A line of the block above a table that is not its title: department, unit, compiling office, amount unit,
    a bare year ("2023年度") or date, a note, a page number, or a part heading of the document."""
    t = _compact(text)
    return bool(_META.search(t) or _PART.match(t))


def is_continued_title(title: str) -> bool:
    """The title carries a continuation mark ("（续）", "续表"): the table continues the previous page's."""
    return bool(_CONTINUED.search(_compact(title)))


def is_title(text: str, x0: float, x1: float, table: BBox) -> bool:
    """Can a line segment (``x0``..``x1``, code already split off) above ``table`` be its title: CJK text of
    three or more characters, not a meta line, centred on the table (within a fifth of its width)."""
    t = text.strip()
    if len(t) < 3 or not _CJK.search(t) or is_meta_line(t):
        return False
    return abs((x0 + x1) / 2 - (table.x0 + table.x1) / 2) <= 0.2 * table.width


def choose_caption(segments: Sequence[Segment], table: BBox) -> Caption:
    """The caption of ``table`` from the segments above it, nearest first: the first segment that can be a title
    (its code split off), the code printed with it or else on a code line of the block, and the unit of any
    segment."""
    unit = unit_from_caption(s.text for s in segments)
    split = [split_code(s.text) for s in segments]
    code = next((c for c, rest in split if c and not rest), "")
    for i, (seg, (seg_code, rest)) in enumerate(zip(segments, split, strict=True)):
        if rest and is_title(rest, seg.x0, seg.x1, table):
            first = title_first_line(seg, segments[i + 1:], table)
            if first is not None:  # a title wrapped over two lines: the line above is its beginning
                upper_code, head = split_code(first.text)
                return Caption(title=head + rest, confidence=min(seg.confidence, first.confidence), unit=unit,
                               code=seg_code or upper_code or code)
            return Caption(title=rest, confidence=seg.confidence, unit=unit, code=seg_code or code)
    return Caption(title="", confidence=0.8 if segments else 1.0, unit=unit, code=code)


#: a complete title ends so: "…表", "…表（续）", "…情况", "…明细"; a line ending otherwise is cut short
_TITLE_END = re.compile(r"(表|情况|明细|清单|目录)\W*(续(表)?\W*)?$")


def title_first_line(title: Segment, farther: Sequence[Segment], table: BBox) -> Segment | None:
    """The first line of a title wrapped over two lines ("某某局2024年度" above "一般公共预算支出预算表"):
    the segment right above ``title`` on the next line up, centred like a title, not a meta, code or part
    line, not itself a complete title (it does not end as titles end: 表, 情况, …), printed at the same size
    (heights within a quarter) with at most 0.6 of a line of space between.  None without line geometry."""
    height = title.bottom - title.top
    if height <= 0:
        return None
    above = [s for s in farther if s.bottom <= title.top + 0.25 * height]
    if not above:
        return None
    upper = max(above, key=lambda s: s.bottom)
    same_line = [s for s in above if s.bottom > upper.top]
    if len(same_line) != 1:  # the line above holds several segments: a meta line, not a title
        return None
    _code, text = split_code(upper.text)
    upper_height = upper.bottom - upper.top
    if (not text or not is_title(text, upper.x0, upper.x1, table) or _TITLE_END.search(_compact(text))
            or abs(upper_height - height) > 0.25 * height or title.top - upper.bottom > 0.6 * height):
        return None
    return upper
