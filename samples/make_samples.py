"""Typeset disclosure-style ruled tables from invented figures and simulate office scans of them.

``python samples/make_samples.py`` regenerates every sample deterministically (fixed seed ``SEED``).  The
output is a small corpus in the format of ``FORMAT.md`` (one folder per document), so
``python score.py --truth samples --pred DIR`` scores predictions against it::

    samples/manifest.json
    samples/demo-final-2024/scan.pdf     image-only PDF, 3 A4 pages at 200 dpi (JPEG q50)
    samples/demo-final-2024/truth.json   支出决算表 on page 2, continued on page 3
    samples/demo-budget-2025/scan.png    one A4 page at 150 dpi, scanned upside down (182° ccw)
    samples/demo-budget-2025/truth.json  财政拨款收支预算总表

The figures are owned by this script and obey the identities of real tables: 合计 = Σ类, 类 = Σ款,
款 = Σ项, 本年支出合计 = 基本支出 + 项目支出; 本年收入 = Σ its sources, 收入总计 = 支出总计.
Amounts are integers in hundredths of 万元 until they are printed.  The truth depends only on the figures
and the table specs, never on the font, so ``build_truths`` needs no font; rendering needs a CJK font
(``apt-get install fonts-wqy-zenhei``, or set ``FISCALSCAN_CJK_FONT``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

SEED = 20241231
SAMPLES_DIR = Path(__file__).resolve().parent
A4_MM = (210.0, 297.0)
MM_PER_INCH = 25.4
PT_PER_INCH = 72.0
FONT_ENV = "FISCALSCAN_CJK_FONT"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
ORG = "示例市财政局"
FINAL_ID = "demo-final-2024"
BUDGET_ID = "demo-budget-2025"
FINAL_ROWS_ON_FIRST_PAGE = 14

Align = Literal["left", "center", "right"]


# ----------------------------------------------------------------------------- table model
@dataclass(frozen=True)
class Cell:
    """One cell of the grid; "\\n" in ``text`` is a forced line break when typeset."""

    row: int
    col: int
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    align: Align = "center"


@dataclass(frozen=True)
class TableSpec:
    table_id: str
    page: int
    title: str
    continued: bool
    col_widths_mm: tuple[float, ...]
    cells: tuple[Cell, ...]

    @property
    def n_rows(self) -> int:
        return max(c.row + c.rowspan for c in self.cells)

    @property
    def n_cols(self) -> int:
        return len(self.col_widths_mm)


def printed(text: str) -> str:
    """Truth text of a cell: forced line breaks ("\\n", typesetting only) removed."""
    return text.replace("\n", "")


def table_truth(spec: TableSpec) -> dict[str, Any]:
    """The table in the truth format of FORMAT.md (cells in reading order)."""
    cells = sorted(spec.cells, key=lambda c: (c.row, c.col))
    return {
        "id": spec.table_id,
        "page": spec.page,
        "title": spec.title,
        "continued": spec.continued,
        "n_rows": spec.n_rows,
        "n_cols": spec.n_cols,
        "cells": [
            {"row": c.row, "col": c.col, "rowspan": c.rowspan, "colspan": c.colspan, "text": printed(c.text)}
            for c in cells
        ],
    }


def dumps_truth(truth: dict[str, Any]) -> str:
    """Serialise a truth document as JSON with one cell per line (stable, diff-friendly)."""

    def enc(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False)

    tables = []
    for t in truth["tables"]:
        head = ", ".join(f"{enc(k)}: {enc(v)}" for k, v in t.items() if k != "cells")
        cells = ",\n".join(f"      {enc(c)}" for c in t["cells"])
        tables.append(f'    {{{head},\n     "cells": [\n{cells}\n     ]}}')
    body = ",\n".join(tables)
    return f'{{\n  "document": {enc(truth["document"])},\n  "tables": [\n{body}\n  ]\n}}\n'


# ----------------------------------------------------------------------------- figures
def fmt_amount(hundredths: int) -> str:
    """Print an amount the way the disclosures do: "2,106.66"; zero is left empty."""
    if hundredths == 0:
        return ""
    sign = "-" if hundredths < 0 else ""
    v = abs(hundredths)
    return f"{sign}{v // 100:,}.{v % 100:02d}"


# 政府收支分类科目 (functional classification): 类 (3 digits), 款 (5), 项 (7).
GROUP_NAMES: dict[str, str] = {
    "201": "一般公共服务支出",
    "20106": "财政事务",
    "208": "社会保障和就业支出",
    "20805": "行政事业单位养老支出",
    "210": "卫生健康支出",
    "21011": "行政事业单位医疗",
    "221": "住房保障支出",
    "22102": "住房改革支出",
}
# (项 code, name, which of 基本支出 / 项目支出 it carries)
ITEMS: tuple[tuple[str, str, str], ...] = (
    ("2010601", "行政运行", "basic"),
    ("2010602", "一般行政管理事务", "project"),
    ("2010607", "信息化建设", "project"),
    ("2010650", "事业运行", "both"),
    ("2010699", "其他财政事务支出", "project"),
    ("2080501", "行政单位离退休", "basic"),
    ("2080505", "机关事业单位基本养老保险缴费支出", "basic"),
    ("2080506", "机关事业单位职业年金缴费支出", "basic"),
    ("2080599", "其他行政事业单位养老支出", "project"),
    ("2101101", "行政单位医疗", "basic"),
    ("2101103", "公务员医疗补助", "basic"),
    ("2101199", "其他行政事业单位医疗支出", "both"),
    ("2210201", "住房公积金", "basic"),
    ("2210203", "购房补贴", "basic"),
)


@dataclass(frozen=True)
class ExpenseRow:
    code: str  # 3 (类), 5 (款) or 7 (项) digits
    name: str
    basic: int  # hundredths of 万元
    project: int

    @property
    def total(self) -> int:
        return self.basic + self.project


def draw_item(rng: random.Random, code: str, name: str, mode: str) -> ExpenseRow:
    """Invent the 基本支出 / 项目支出 of one 项."""
    basic = rng.randint(1_500, 260_000) if mode in ("basic", "both") else 0
    project = rng.randint(800, 150_000) if mode in ("project", "both") else 0
    return ExpenseRow(code, name, basic, project)


def aggregate(items: Sequence[ExpenseRow], prefix: str) -> ExpenseRow:
    """The 类 or 款 row whose code is ``prefix``: the sum of its 项."""
    members = [i for i in items if i.code.startswith(prefix)]
    return ExpenseRow(
        prefix, GROUP_NAMES[prefix], sum(i.basic for i in members), sum(i.project for i in members)
    )


def expense_rows(items: Sequence[ExpenseRow]) -> list[ExpenseRow]:
    """类, 款 and 项 rows in printed order (each group row before its members)."""
    rows: list[ExpenseRow] = []
    seen: set[str] = set()
    for item in items:
        for prefix in (item.code[:3], item.code[:5]):
            if prefix not in seen:
                seen.add(prefix)
                rows.append(aggregate(items, prefix))
        rows.append(item)
    return rows


def final_accounts_figures(rng: random.Random) -> tuple[list[ExpenseRow], ExpenseRow]:
    """All rows of the 支出决算表 and its 合计 row."""
    items = [draw_item(rng, code, name, mode) for code, name, mode in ITEMS]
    total = ExpenseRow("", "合计", sum(i.basic for i in items), sum(i.project for i in items))
    return expense_rows(items), total


@dataclass(frozen=True)
class BudgetLine:
    label: str
    amount: int  # hundredths of 万元; 0 prints empty


def budget_figures(rng: random.Random) -> tuple[list[BudgetLine], list[BudgetLine]]:
    """Income side and expenditure side of a 财政拨款收支预算总表 (收入总计 = 支出总计)."""
    spend = [
        BudgetLine("（一）一般公共服务支出", rng.randint(250_000, 600_000)),
        BudgetLine("（二）社会保障和就业支出", rng.randint(40_000, 120_000)),
        BudgetLine("（三）卫生健康支出", rng.randint(15_000, 60_000)),
        BudgetLine("（四）城乡社区支出", rng.randint(5_000, 30_000)),
        BudgetLine("（五）住房保障支出", rng.randint(20_000, 70_000)),
    ]
    this_year = sum(s.amount for s in spend)
    carried = rng.randint(3_000, this_year // 10)
    income = this_year - carried
    fund = spend[3].amount  # 城乡社区支出 paid from the 政府性基金
    left = [
        BudgetLine("一、本年收入", income),
        BudgetLine("（一）一般公共预算资金", income - fund),
        BudgetLine("（二）政府性基金预算资金", fund),
        BudgetLine("（三）国有资本经营预算资金", 0),
        BudgetLine("", 0),
        BudgetLine("", 0),
        BudgetLine("二、上年结转", carried),
        BudgetLine("（一）一般公共预算资金", carried),
        BudgetLine("（二）政府性基金预算资金", 0),
        BudgetLine("收入总计", this_year),
    ]
    right = [
        BudgetLine("一、本年支出", this_year),
        *spend,
        BudgetLine("二、年终结转", 0),
        BudgetLine("", 0),
        BudgetLine("", 0),
        BudgetLine("支出总计", this_year),
    ]
    return left, right


# ----------------------------------------------------------------------------- table specs
FINAL_COLS_MM = (11.0, 11.0, 11.0, 40.0, 20.6, 20.6, 20.6, 20.6, 20.6)
FINAL_AMOUNT_HEADS = ("本年支出\n合计", "基本支出", "项目支出", "上缴上级\n支出", "经营支出")
FINAL_HEADER_ROWS = 3


def final_header() -> list[Cell]:
    """项目 | 本年支出合计 ... over 科目编码 (类 款 项) | 科目名称: three header rows."""
    cells = [
        Cell(0, 0, "项目", colspan=4),
        Cell(1, 0, "科目编码", colspan=3),
        Cell(1, 3, "科目名称", rowspan=2),
        Cell(2, 0, "类"),
        Cell(2, 1, "款"),
        Cell(2, 2, "项"),
    ]
    cells += [Cell(0, 4 + k, h, rowspan=FINAL_HEADER_ROWS) for k, h in enumerate(FINAL_AMOUNT_HEADS)]
    return cells


def amount_cells(row: int, first_col: int, r: ExpenseRow) -> list[Cell]:
    values = (r.total, r.basic, r.project, 0, 0)  # nothing paid upwards, no business activities
    return [Cell(row, first_col + k, fmt_amount(v), align="right") for k, v in enumerate(values)]


def expense_cells(row: int, r: ExpenseRow) -> list[Cell]:
    codes = (r.code[:3], r.code[3:5], r.code[5:7])
    cells = [Cell(row, k, c) for k, c in enumerate(codes)]
    cells.append(Cell(row, 3, r.name, align="left"))
    return cells + amount_cells(row, 4, r)


def final_tables(rows: Sequence[ExpenseRow], total: ExpenseRow) -> tuple[TableSpec, TableSpec]:
    """The 支出决算表 on page 2 (栏次 and 合计 rows first) and its continuation on page 3."""
    first, rest = rows[:FINAL_ROWS_ON_FIRST_PAGE], rows[FINAL_ROWS_ON_FIRST_PAGE:]
    r0 = FINAL_HEADER_ROWS
    cells = final_header()
    cells.append(Cell(r0, 0, "栏次", colspan=4))
    cells += [Cell(r0, 4 + k, str(k + 1)) for k in range(len(FINAL_AMOUNT_HEADS))]
    cells.append(Cell(r0 + 1, 0, "合计", colspan=4))
    cells += amount_cells(r0 + 1, 4, total)
    for i, r in enumerate(first):
        cells += expense_cells(r0 + 2 + i, r)
    page2 = TableSpec("p002-t1", 2, "支出决算表", False, FINAL_COLS_MM, tuple(cells))
    cont = final_header()
    for i, r in enumerate(rest):
        cont += expense_cells(r0 + i, r)
    page3 = TableSpec("p003-t1", 3, "", True, FINAL_COLS_MM, tuple(cont))
    return page2, page3


def budget_table(left: Sequence[BudgetLine], right: Sequence[BudgetLine]) -> TableSpec:
    """收入 (项目, 预算数) | 支出 (项目, 预算数), two header rows."""
    cells = [
        Cell(0, 0, "收入", colspan=2),
        Cell(0, 2, "支出", colspan=2),
        Cell(1, 0, "项目"),
        Cell(1, 1, "预算数"),
        Cell(1, 2, "项目"),
        Cell(1, 3, "预算数"),
    ]
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        r = 2 + i
        cells += [
            Cell(r, 0, a.label, align="center" if a.label.endswith("总计") else "left"),
            Cell(r, 1, fmt_amount(a.amount), align="right"),
            Cell(r, 2, b.label, align="center" if b.label.endswith("总计") else "left"),
            Cell(r, 3, fmt_amount(b.amount), align="right"),
        ]
    return TableSpec("p001-t1", 1, "财政拨款收支预算总表", False, (56.0, 27.0, 56.0, 27.0), tuple(cells))


@dataclass(frozen=True)
class Figures:
    final_rows: tuple[ExpenseRow, ...]
    final_total: ExpenseRow
    budget_left: tuple[BudgetLine, ...]
    budget_right: tuple[BudgetLine, ...]


def make_figures(seed: int = SEED) -> Figures:
    rng = random.Random(seed)
    rows, total = final_accounts_figures(rng)
    left, right = budget_figures(rng)
    return Figures(tuple(rows), total, tuple(left), tuple(right))


def build_tables(fig: Figures) -> dict[str, list[TableSpec]]:
    """Table specs per document id."""
    return {
        FINAL_ID: list(final_tables(fig.final_rows, fig.final_total)),
        BUDGET_ID: [budget_table(fig.budget_left, fig.budget_right)],
    }


def build_truths(seed: int = SEED) -> dict[str, dict[str, Any]]:
    """Truth documents per document id (no font or rendering involved)."""
    tables = build_tables(make_figures(seed))
    return {doc: {"document": doc, "tables": [table_truth(t) for t in ts]} for doc, ts in tables.items()}


# ----------------------------------------------------------------------------- typesetting
def find_cjk_font() -> Path | None:
    """A font with CJK glyphs: ``$FISCALSCAN_CJK_FONT`` or the first installed candidate."""
    env = os.environ.get(FONT_ENV)
    for cand in ([env] if env else []) + list(FONT_CANDIDATES):
        if Path(cand).is_file():
            return Path(cand)
    return None


@lru_cache(maxsize=64)
def load_font(path: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size_px, index=0)


def px(mm: float, dpi: int) -> int:
    return round(mm / MM_PER_INCH * dpi)


def pt_px(points: float, dpi: int) -> int:
    return round(points / PT_PER_INCH * dpi)


_TOKEN = re.compile(r"[0-9A-Za-z.,%]+|.")
_NO_LINE_START = frozenset("，。；：、？！）》”’%％")


def tokens(text: str) -> list[str]:
    """Unbreakable units: a number or latin word, or one character; closing punctuation sticks to the left."""
    out: list[str] = []
    for t in _TOKEN.findall(text):
        if out and t in _NO_LINE_START:
            out[-1] += t
        else:
            out.append(t)
    return out


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy wrap between tokens; "\n" forces a break; an empty text is no line."""
    lines: list[str] = []
    for para in text.split("\n"):
        cur = ""
        for tok in tokens(para):
            if cur and font.getlength(cur + tok) > width:
                lines.append(cur)
                cur = tok
            else:
                cur += tok
        if cur:
            lines.append(cur)
    return lines


@dataclass(frozen=True)
class Style:
    dpi: int
    font: str
    size_pt: float
    rule_px: int
    frame_px: int
    row_mm: float = 7.5
    pad_mm: float = 1.2

    def face(self, scale: float = 1.0) -> ImageFont.FreeTypeFont:
        return load_font(self.font, pt_px(self.size_pt * scale, self.dpi))

    @property
    def line_px(self) -> int:
        return round(pt_px(self.size_pt, self.dpi) * 1.3)


def edges(start: int, sizes: Iterable[int]) -> list[int]:
    out = [start]
    for s in sizes:
        out.append(out[-1] + s)
    return out


def row_heights(spec: TableSpec, col_x: Sequence[int], style: Style) -> list[int]:
    """Each row as tall as its tallest wrapped cell; spanning cells stretch the last row they cover."""
    font, pad = style.face(), px(style.pad_mm, style.dpi)
    heights = [px(style.row_mm, style.dpi)] * spec.n_rows
    for c in sorted(spec.cells, key=lambda c: c.rowspan):
        width = col_x[c.col + c.colspan] - col_x[c.col] - 2 * pad
        need = len(wrap(c.text, font, width)) * style.line_px + 2 * pad
        have = sum(heights[c.row : c.row + c.rowspan])
        if need > have:
            heights[c.row + c.rowspan - 1] += need - have
    return heights


def hline(draw: ImageDraw.ImageDraw, x0: int, x1: int, y: int, w: int) -> None:
    draw.rectangle([x0 - w // 2, y - w // 2, x1 - w // 2 + w - 1, y - w // 2 + w - 1], fill=0)


def vline(draw: ImageDraw.ImageDraw, x: int, y0: int, y1: int, w: int) -> None:
    draw.rectangle([x - w // 2, y0 - w // 2, x - w // 2 + w - 1, y1 - w // 2 + w - 1], fill=0)


def draw_lines(
    draw: ImageDraw.ImageDraw,
    x0: int,
    y0: int,
    x1: int,
    y1: int,
    lines: Sequence[str],
    align: Align,
    style: Style,
) -> None:
    """Text lines centred vertically in the box, aligned horizontally inside the padding."""
    font, pad = style.face(), px(style.pad_mm, style.dpi)
    top = (y0 + y1) / 2 - len(lines) * style.line_px / 2
    x = {"left": x0 + pad, "center": (x0 + x1) / 2, "right": x1 - pad}[align]
    anchor = {"left": "lm", "center": "mm", "right": "rm"}[align]
    for i, line in enumerate(lines):
        draw.text((x, top + (i + 0.5) * style.line_px), line, font=font, fill=0, anchor=anchor)


def draw_table(draw: ImageDraw.ImageDraw, spec: TableSpec, x: int, y: int, style: Style) -> int:
    """Draw the ruled table with its top-left corner at (x, y); returns the y of its bottom rule."""
    col_x = edges(x, (px(w, style.dpi) for w in spec.col_widths_mm))
    row_y = edges(y, row_heights(spec, col_x, style))
    font, pad = style.face(), px(style.pad_mm, style.dpi)
    for c in spec.cells:
        cx0, cx1 = col_x[c.col], col_x[c.col + c.colspan]
        cy0, cy1 = row_y[c.row], row_y[c.row + c.rowspan]
        lines = wrap(c.text, font, cx1 - cx0 - 2 * pad)
        if c.align == "right" and len(lines) > 1:
            raise ValueError(f"amount {c.text!r} does not fit its column")
        draw_lines(draw, cx0, cy0, cx1, cy1, lines, c.align, style)
        hline(draw, cx0, cx1, cy0, style.rule_px)
        hline(draw, cx0, cx1, cy1, style.rule_px)
        vline(draw, cx0, cy0, cy1, style.rule_px)
        vline(draw, cx1, cy0, cy1, style.rule_px)
    f = style.frame_px
    hline(draw, col_x[0], col_x[-1], row_y[0], f)
    hline(draw, col_x[0], col_x[-1], row_y[-1], f)
    vline(draw, col_x[0], row_y[0], row_y[-1], f)
    vline(draw, col_x[-1], row_y[0], row_y[-1], f)
    return row_y[-1]


def table_width(spec: TableSpec, dpi: int) -> int:
    return sum(px(w, dpi) for w in spec.col_widths_mm)


def blank_page(dpi: int) -> Image.Image:
    return Image.new("L", (px(A4_MM[0], dpi), px(A4_MM[1], dpi)), 255)


def draw_heading(
    draw: ImageDraw.ImageDraw, text: str, cx: float, y: int, font: ImageFont.FreeTypeFont
) -> int:
    """Bold-looking centred heading (stroked glyphs); returns the y below it."""
    draw.text((cx, y), text, font=font, fill=0, anchor="mt", stroke_width=1, stroke_fill=0)
    return y + round(font.size * 1.8)


def draw_unit_line(draw: ImageDraw.ImageDraw, x0: int, x1: int, y: int, style: Style) -> int:
    """编制单位 left, 单位：万元 right, just above the table; returns the y below it."""
    font = style.face()
    draw.text((x0, y), f"编制单位：{ORG}", font=font, fill=0, anchor="lt")
    draw.text((x1, y), "单位：万元", font=font, fill=0, anchor="rt")
    return y + round(font.size * 1.7)


def draw_folio(img: Image.Image, page: int, style: Style) -> None:
    """Page number centred at the foot of the page."""
    draw = ImageDraw.Draw(img)
    draw.text(
        (img.width / 2, img.height - px(15, style.dpi)), f"— {page} —", font=style.face(), fill=0, anchor="mb"
    )


def render_text_page(style: Style, heading: str, paragraph: str, page: int) -> Image.Image:
    """A page of prose: centred heading, one justified-left paragraph with a two-character indent."""
    img = blank_page(style.dpi)
    draw = ImageDraw.Draw(img)
    margin = px(28, style.dpi)
    y = draw_heading(draw, heading, img.width / 2, px(35, style.dpi), style.face(2.0))
    font = style.face(1.4)
    line_h = round(font.size * 1.75)
    lines = wrap("\u3000\u3000" + paragraph, font, img.width - 2 * margin)
    for i, line in enumerate(lines):
        draw.text((margin, y + px(6, style.dpi) + i * line_h), line, font=font, fill=0, anchor="lt")
    draw_folio(img, page, style)
    return img


def render_table_page(style: Style, spec: TableSpec, page: int, top_mm: float, caption: bool) -> Image.Image:
    """A page holding one table centred horizontally, with caption and unit line when ``caption``."""
    img = blank_page(style.dpi)
    draw = ImageDraw.Draw(img)
    width = table_width(spec, style.dpi)
    x0 = (img.width - width) // 2
    y = px(top_mm, style.dpi)
    if caption:
        y = draw_heading(draw, spec.title, img.width / 2, y, style.face(1.8))
        y = draw_unit_line(draw, x0, x0 + width, y, style)
    draw_table(draw, spec, x0, y, style)
    draw_folio(img, page, style)
    return img


def intro_paragraph(fig: Figures) -> str:
    t = fig.final_total
    share = round(1000 * t.basic / t.total)
    return (
        f"{ORG}是负责本市财政收支管理的政府工作部门，主要职责是拟订本市财政发展规划和财税政策措施，"
        "编制年度预决算草案并组织执行，管理本级各项财政收支和政府非税收入，监督检查财税法律法规的执行情况。"
        f"2024年度本部门支出决算合计{fmt_amount(t.total)}万元，其中：基本支出{fmt_amount(t.basic)}万元，"
        f"占{share // 10}.{share % 10}%；项目支出{fmt_amount(t.project)}万元，"
        f"占{(1000 - share) // 10}.{(1000 - share) % 10}%。具体情况见后附支出决算表。"
    )


# ----------------------------------------------------------------------------- scan simulation
@dataclass(frozen=True)
class ScanParams:
    dpi: int
    skew_deg_ccw: float  # counter-clockwise as seen on the scan; 180 + x is an upside-down page
    paper_min: float  # paper brightness range, 0 black .. 1 white
    paper_max: float
    ink: float  # brightness of full ink
    blur_sigma_px: float
    noise_sigma: float  # grey levels
    dust_specks: int
    jpeg_quality: int  # of the stored JPEG; for a PNG, of the JPEG round trip before it
    rule_px: int
    seed: int


def rotate(page: np.ndarray, angle: float) -> np.ndarray:
    """Rotate a float page (1 = white) about its centre, keeping the canvas; corners fill with paper."""
    h, w = page.shape
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)
    return cv2.warpAffine(
        page, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=1.0
    )


def paper(shape: tuple[int, int], rng: np.random.Generator, lo: float, hi: float) -> np.ndarray:
    """Uneven grey paper: smooth blotches plus a lighting gradient across the page."""
    h, w = shape
    small = (max(1, w // 16), max(1, h // 16))  # smooth at 1/16 scale, then enlarge: same look, fast
    coarse = cv2.resize(rng.random((8, 6)).astype(np.float32), small, interpolation=cv2.INTER_CUBIC)
    coarse = cv2.GaussianBlur(coarse, (0, 0), small[0] / 12)
    field = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)
    field = (field - field.min()) / max(1e-6, float(field.max() - field.min()))
    ramp = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    if rng.random() < 0.5:
        ramp = ramp[:, ::-1]
    mix = 0.7 * field + 0.3 * ramp
    return lo + (hi - lo) * mix


def dust(shape: tuple[int, int], rng: np.random.Generator, n: int) -> np.ndarray:
    """Darkening mask (0..1) of ``n`` small specks of dust on the scanner glass."""
    h, w = shape
    mask = np.zeros(shape, np.float32)
    for _ in range(n):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        axes = (int(rng.integers(1, 4)), int(rng.integers(1, 3)))
        cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, float(rng.uniform(0.4, 0.9)), -1)
    return mask


def simulate_scan(page: Image.Image, p: ScanParams) -> np.ndarray:
    """Skew, paper, dust, optical blur and sensor noise applied to a clean rendered page; uint8 grey."""
    rng = np.random.default_rng(p.seed)
    clean = np.asarray(page, dtype=np.float32) / 255.0
    skewed = rotate(clean, p.skew_deg_ccw)
    lit = paper(skewed.shape, rng, p.paper_min, p.paper_max) * (p.ink + (1.0 - p.ink) * skewed)
    lit *= 1.0 - dust(skewed.shape, rng, p.dust_specks)
    blurred = cv2.GaussianBlur(lit * 255.0, (0, 0), p.blur_sigma_px)
    noisy = blurred + rng.normal(0.0, p.noise_sigma, blurred.shape).astype(np.float32)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def jpeg_bytes(gray: np.ndarray, quality: int, dpi: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(gray, "L").save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
    return buf.getvalue()


def image_only_pdf(pages: Sequence[np.ndarray], dpi: int, quality: int) -> bytes:
    """A PDF whose pages are just JPEG page images (DCTDecode, no text layer); page size = image at ``dpi``.

    Pillow's writer is used because it leaves out dates and file ids when asked, so the bytes are
    reproducible (PDFium stamps a creation date and a random /ID).
    """
    ims = [Image.fromarray(p, "L") for p in pages]
    buf = io.BytesIO()
    ims[0].save(
        buf,
        "PDF",
        save_all=True,
        append_images=ims[1:],
        dpi=(dpi, dpi),
        quality=quality,
        title=None,
        creationDate=None,
        modDate=None,
    )
    return buf.getvalue()


# ----------------------------------------------------------------------------- documents
FINAL_SCANS = (
    ScanParams(200, 0.4, 0.86, 0.95, 0.10, 0.7, 3.0, 5, 50, 2, SEED + 1),
    ScanParams(200, 1.3, 0.84, 0.94, 0.12, 0.7, 3.0, 8, 50, 2, SEED + 2),
    ScanParams(200, -0.8, 0.85, 0.95, 0.12, 0.75, 3.0, 6, 50, 1, SEED + 3),
)
BUDGET_SCAN = ScanParams(150, 182.0, 0.85, 0.95, 0.12, 0.7, 2.5, 6, 60, 1, SEED + 4)


def page_style(p: ScanParams, font: str) -> Style:
    """10 pt text; the outer frame one pixel heavier than the rules, except on thin 1-px pages."""
    return Style(p.dpi, font, 10.0, p.rule_px, p.rule_px + 1 if p.rule_px > 1 else 1)


def final_pages(fig: Figures, tables: Sequence[TableSpec], font: str) -> list[Image.Image]:
    page2, page3 = tables
    styles = [page_style(p, font) for p in FINAL_SCANS]
    return [
        render_text_page(styles[0], f"{ORG}2024年度部门决算", intro_paragraph(fig), 1),
        render_table_page(styles[1], page2, 2, 22.0, caption=True),
        render_table_page(styles[2], page3, 3, 20.0, caption=False),
    ]


def budget_page(table: TableSpec, font: str) -> Image.Image:
    return render_table_page(page_style(BUDGET_SCAN, font), table, 1, 25.0, caption=True)


def png_bytes(gray: np.ndarray, dpi: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(gray, "L").save(buf, "PNG", dpi=(dpi, dpi), optimize=True)
    return buf.getvalue()


def jpeg_roundtrip(gray: np.ndarray, quality: int) -> np.ndarray:
    """What a scanner that stores JPEG and later converts to PNG hands over."""
    with Image.open(io.BytesIO(jpeg_bytes(gray, quality, 72))) as im:
        return np.asarray(im.convert("L"))


# ----------------------------------------------------------------------------- layout variants
# Other provinces and years lay the block above a table out differently.  These pages are not committed files:
# tests render them on the fly (``variant_pages``) to cover the caption rules and low-resolution reading.
CaptionLayout = Literal["unit", "meta", "coded"]
VARIANT_SCAN = ScanParams(150, 0.7, 0.84, 0.94, 0.12, 0.75, 3.0, 8, 45, 1, SEED + 5)


def draw_caption_block(draw: ImageDraw.ImageDraw, spec: TableSpec, code: str, layout: CaptionLayout,
                       x0: int, x1: int, y: int, style: Style) -> int:
    """The block above a table; returns the y below it.  ``unit``: title, then 编制单位 … 单位：万元;
    ``meta``: title, a right-aligned code line (公开NN表), then 部门名称 … 年度 … 金额单位：万元 (the layout of many
    provinces); ``coded``: the code printed with the title ("公开05表：…"), then 单位：万元."""
    cx = (x0 + x1) / 2
    if layout == "coded":
        y = draw_heading(draw, f"{code}：{spec.title}", cx, y, style.face(1.8))
        return draw_unit_line(draw, x0, x1, y, style)
    y = draw_heading(draw, spec.title, cx, y, style.face(1.8))
    if layout == "unit":
        return draw_unit_line(draw, x0, x1, y, style)
    font = style.face()
    draw.text((x1, y), code, font=font, fill=0, anchor="rt")
    y += round(font.size * 1.5)
    draw.text((x0, y), f"部门名称：{ORG}", font=font, fill=0, anchor="lt")
    draw.text((cx, y), "2024年度", font=font, fill=0, anchor="mt")
    draw.text((x1, y), "金额单位：万元", font=font, fill=0, anchor="rt")
    return y + round(font.size * 1.7)


def render_variant_page(style: Style, spec: TableSpec, code: str, layout: CaptionLayout,
                        landscape: bool = False, part_heading: str = "") -> Image.Image:
    """A page holding one table under a caption block of ``layout``, portrait or landscape, with an optional
    part heading above the title."""
    img = blank_page(style.dpi)
    if landscape:
        img = Image.new("L", (img.height, img.width), 255)
    draw = ImageDraw.Draw(img)
    width = table_width(spec, style.dpi)
    x0 = (img.width - width) // 2
    y = px(18, style.dpi)
    if part_heading:
        y = draw_heading(draw, part_heading, img.width / 2, y, style.face(2.0))
    y = draw_caption_block(draw, spec, code, layout, x0, x0 + width, y, style)
    draw_table(draw, spec, x0, y, style)
    draw_folio(img, spec.page, style)
    return img


def untyped_table() -> TableSpec:
    """A table of no standard type (the list of member units printed in many disclosures)."""
    units = (("示例市财政局机关", "行政单位", "86"), ("示例市财政信息中心", "事业单位", "24"),
             ("示例市国库支付中心", "事业单位", "31"), ("示例市政府采购中心", "事业单位", "18"))
    cells = [Cell(0, 0, "序号"), Cell(0, 1, "单位名称"), Cell(0, 2, "单位性质"), Cell(0, 3, "编制人数")]
    for i, (name, kind, staff) in enumerate(units, 1):
        cells += [Cell(i, 0, str(i)), Cell(i, 1, name, align="left"), Cell(i, 2, kind), Cell(i, 3, staff)]
    return TableSpec("p001-t1", 1, "部门所属单位构成情况", False, (16.0, 70.0, 30.0, 26.0), tuple(cells))


@dataclass(frozen=True)
class VariantPage:
    """One rendered layout variant: the scanned page, the table printed on it and what its caption says."""

    name: str
    gray: np.ndarray
    spec: TableSpec
    code: str  # "" when none is printed
    unit: str


def variant_pages(font: str, params: ScanParams = VARIANT_SCAN) -> list[VariantPage]:
    """The layout variants, scanned with ``params``: a meta-line page with a part heading above the title, a
    landscape page with a coded title, and an untyped table under a meta block."""
    fig = make_figures()
    style = page_style(params, font)
    expenditure, _cont = final_tables(fig.final_rows, fig.final_total)
    budget = budget_table(fig.budget_left, fig.budget_right)
    untyped = untyped_table()
    pages = [
        ("meta", expenditure, "公开03表", render_variant_page(style, expenditure, "公开03表", "meta",
                                                            part_heading="第二部分 2024年度部门决算表")),
        ("coded-landscape", budget, "公开05表", render_variant_page(style, budget, "公开05表", "coded",
                                                                   landscape=True)),
        ("untyped", untyped, "公开12表", render_variant_page(style, untyped, "公开12表", "meta")),
    ]
    return [VariantPage(name, jpeg_roundtrip(simulate_scan(img, params), params.jpeg_quality), spec, code, "万元")
            for name, spec, code, img in pages]


def manifest_entry(
    doc: str, title: str, kind: str, scan: str, params: Sequence[ScanParams]
) -> dict[str, Any]:
    return {
        "id": doc,
        "title": title,
        "kind": kind,
        "origin": "rendered from figures",
        "scan": scan,
        "pages": None,
        "truth": "truth.json",
        "degradation": {"pages": [{"page": i + 1, **asdict(p)} for i, p in enumerate(params)]},
    }


def manifest() -> dict[str, Any]:
    return {
        "version": 1,
        "documents": [
            manifest_entry(
                FINAL_ID, f"{ORG}2024年度部门决算（示例）", "final_accounts", "scan.pdf", FINAL_SCANS
            ),
            manifest_entry(BUDGET_ID, f"{ORG}2025年度部门预算（示例）", "budget", "scan.png", [BUDGET_SCAN]),
        ],
    }


def write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


def shared_settings(params: Sequence[ScanParams]) -> tuple[int, int]:
    """The dpi and JPEG quality all pages of one PDF share."""
    settings = {(p.dpi, p.jpeg_quality) for p in params}
    if len(settings) != 1:
        raise ValueError(f"pages of one PDF differ in dpi / JPEG quality: {sorted(settings)}")
    return settings.pop()


def generate(out: Path, font: Path, preview: Path | None = None) -> list[Path]:
    """Write the whole corpus under ``out``; optionally also PNG previews of every scanned page."""
    fig = make_figures()
    tables = build_tables(fig)
    truths = build_truths()
    final_scans = [
        simulate_scan(img, p)
        for img, p in zip(final_pages(fig, tables[FINAL_ID], str(font)), FINAL_SCANS, strict=True)
    ]
    budget_scan = jpeg_roundtrip(
        simulate_scan(budget_page(tables[BUDGET_ID][0], str(font)), BUDGET_SCAN), BUDGET_SCAN.jpeg_quality
    )
    dpi, quality = shared_settings(FINAL_SCANS)
    files = {
        out / FINAL_ID / "scan.pdf": image_only_pdf(final_scans, dpi, quality),
        out / BUDGET_ID / "scan.png": png_bytes(budget_scan, BUDGET_SCAN.dpi),
        out / "manifest.json": json.dumps(manifest(), ensure_ascii=False, indent=2) + "\n",
    }
    files |= {out / doc / "truth.json": dumps_truth(t) for doc, t in truths.items()}
    for path, data in files.items():
        write(path, data)
    if preview is not None:
        for i, scan in enumerate(final_scans, 1):
            write(preview / f"{FINAL_ID}-p{i:03d}.jpg", jpeg_bytes(scan, quality, dpi))
        write(preview / f"{BUDGET_ID}-p001.png", png_bytes(budget_scan, BUDGET_SCAN.dpi))
    return sorted(files)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=SAMPLES_DIR, help="corpus folder (default: samples/)")
    ap.add_argument("--preview", type=Path, help="also write the page images here")
    a = ap.parse_args(argv)
    font = find_cjk_font()
    if font is None:
        ap.error(f"no CJK font found: apt-get install fonts-wqy-zenhei, or set {FONT_ENV}")
    for path in generate(a.out, font, a.preview):
        print(f"{path}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
