"""Disclosures laid out the way other provinces and years print them: the generalisation probe's material.

``python samples/make_variants.py --out DIR`` writes a scorer-format corpus (``DIR/manifest.json``,
``DIR/<id>/scan.png``, ``DIR/<id>/truth.json``, ``DIR/labels.json`` with the expected table type of every
table) of one-page documents, one per :class:`Variant`: the Ministry of Finance's 部门预算 and 部门决算 table set
and common local variants (收支预算总表 … 绩效目标表, 收入支出决算总表 … 三公经费支出决算表), untyped tables
(部门基本情况, 人员情况), under every caption layout (title + 单位 line; title, 公开NN表 code line and a
部门名称/年度/金额单位 meta line in various orders; coded titles ``公开03表：…`` / ``表3 …`` / ``…（附表3）``;
year and department-name prefixes; continuations), header variants (预算数/决算数/执行数, one- and two-level
headers, 科目编码 as one column or split into 类/款/项), units 元 and 万元, portrait and landscape pages,
150/200/300 dpi, a sans and (when installed) a serif typeface.

The figures come from :mod:`make_samples` (科目 rows whose 合计 = 基本 + 项目 and 类 = Σ款 = Σ项); the truth
depends only on the specs.  ``bench/generalise.py`` runs the pipeline over this corpus and reports per variant.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import make_samples as ms
from make_samples import Cell, ExpenseRow, TableSpec, fmt_amount
from PIL import Image, ImageDraw

SERIF_CANDIDATES = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
DEPT = "示例市农业农村局"


# ----------------------------------------------------------------------------- table families
@dataclass(frozen=True)
class Family:
    """One standard table: its printed title, the type the project must give it, and how its grid is made."""

    key: str
    title: str
    type: str
    kind: str  # "budget" | "final" | "" (untyped)
    shape: str  # "coded" | "econ" | "summary" | "single" | "list"
    heads: tuple[str, ...] = ()  # amount column labels ("A/B": B under a spanning A)
    code_split: bool = False  # 科目编码 split into 类/款/项
    landscape: bool = False


BUDGET = (
    Family("b-summary", "部门收支预算总表", "budget.summary", "budget", "summary", ("预算数",)),
    Family("b-income", "部门收入预算总表", "budget.income", "budget", "coded",
           ("合计", "财政拨款收入", "事业收入", "其他收入")),
    Family("b-expend", "部门支出预算总表", "budget.expenditure", "budget", "coded", ("合计", "基本支出", "项目支出")),
    Family("b-fiscal-summary", "财政拨款收支预算总表", "budget.fiscal_summary", "budget", "summary",
           ("预算数",)),
    Family("b-gp-expend", "一般公共预算支出预算表", "budget.general_budget_expenditure", "budget", "coded",
           ("合计", "基本支出", "项目支出"), code_split=True),
    Family("b-gp-basic", "一般公共预算基本支出预算表", "budget.general_budget_basic_expenditure", "budget", "econ",
           ("合计", "人员经费", "公用经费")),
    Family("b-fund", "政府性基金预算支出表", "budget.gov_fund", "budget", "coded",
           ("本年政府性基金预算支出/合计", "本年政府性基金预算支出/基本支出", "本年政府性基金预算支出/项目支出")),
    Family("b-capital", "国有资本经营预算支出表", "budget.state_capital", "budget", "coded",
           ("合计", "基本支出", "项目支出")),
    Family("b-three", "“三公”经费支出预算表", "budget.three_public", "budget", "single",
           ("合计", "因公出国（境）费", "公务用车购置及运行费/小计", "公务用车购置及运行费/购置费",
            "公务用车购置及运行费/运行费", "公务接待费")),
    Family("b-procure", "政府采购预算表", "budget.procurement", "budget", "list",
           ("采购项目", "采购品目", "合计", "财政拨款", "其他资金")),
    Family("b-project", "项目支出预算表", "budget.project_expenditure", "budget", "list",
           ("项目名称", "项目类别", "合计", "财政拨款", "其他资金"), landscape=True),
    Family("b-targets", "项目支出绩效目标表", "budget.performance_targets", "budget", "list",
           ("一级指标", "二级指标", "三级指标", "指标值")),
)
FINAL = (
    Family("f-summary", "收入支出决算总表", "final.summary", "final", "summary", ("决算数",)),
    Family("f-income", "收入决算表", "final.income", "final", "coded",
           ("本年收入合计", "财政拨款收入", "事业收入", "其他收入"), code_split=True),
    Family("f-expend", "支出决算表", "final.expenditure", "final", "coded",
           ("本年支出合计", "基本支出", "项目支出"), code_split=True),
    Family("f-fiscal-summary", "财政拨款收入支出决算总表", "final.fiscal_summary", "final", "summary",
           ("决算数",)),
    Family("f-gp-expend", "一般公共预算财政拨款支出决算表", "final.general_budget_expenditure", "final", "coded",
           ("本年支出/合计", "本年支出/基本支出", "本年支出/项目支出"), code_split=True),
    Family("f-gp-basic", "一般公共预算财政拨款基本支出决算表", "final.general_budget_basic_expenditure", "final",
           "econ", ("决算数/合计", "决算数/人员经费", "决算数/公用经费")),
    Family("f-three", "财政拨款“三公”经费支出决算表", "final.three_public", "final", "single",
           ("合计", "因公出国（境）费", "公务用车购置及运行费/小计", "公务用车购置及运行费/购置费",
            "公务用车购置及运行费/运行费", "公务接待费")),
)
UNTYPED = (
    Family("u-basic", "部门基本情况表", "generic", "", "list", ("单位名称", "单位性质", "编制人数", "实有人数")),
    Family("u-staff", "人员情况表", "generic", "", "list", ("人员类别", "编制数", "实有人数", "离退休人数")),
)
FAMILIES = BUDGET + FINAL + UNTYPED

ECON = (("301", "工资福利支出"), ("30101", "基本工资"), ("30102", "津贴补贴"), ("30103", "奖金"),
        ("302", "商品和服务支出"), ("30201", "办公费"), ("30211", "差旅费"), ("30217", "公务接待费"))


def amount_head(heads: Sequence[str], first_col: int) -> tuple[list[Cell], int]:
    """Header cells of the amount columns (two levels when a label is "A/B"); returns (cells, header rows)."""
    levels = 2 if any("/" in h for h in heads) else 1
    cells: list[Cell] = []
    col = first_col
    while col - first_col < len(heads):
        h = heads[col - first_col]
        if "/" in h:
            top = h.split("/")[0]
            run = [x for x in heads[col - first_col:] if x.split("/")[0] == top and "/" in x]
            cells.append(Cell(0, col, top, colspan=len(run)))
            cells += [Cell(1, col + k, x.split("/")[1]) for k, x in enumerate(run)]
            col += len(run)
        else:
            cells.append(Cell(0, col, h, rowspan=levels))
            col += 1
    return cells, levels


def amounts(r: ExpenseRow, n: int, scale: int) -> list[int]:
    """``n`` amounts of a row: 合计, 基本, 项目 (or 合计 split into n-1 parts), in hundredths of the unit."""
    parts = [r.basic, r.project] if n == 3 else [r.total - r.total // 3 - r.total // 5, r.total // 3, r.total // 5]
    return [v * scale for v in [r.total, *parts[: n - 1]]]


def coded_table(fam: Family, rows: Sequence[ExpenseRow], total: ExpenseRow, scale: int) -> TableSpec:
    """科目编码 (one column, or 类/款/项) | 科目名称 | amounts: a functional-classification table."""
    code_cols = 3 if fam.code_split else 1
    heads, levels = amount_head(fam.heads, code_cols + 1)
    levels = max(levels, 2 if fam.code_split else 1)
    if fam.code_split:
        cells = [Cell(0, 0, "科目编码", colspan=3), Cell(0, 3, "科目名称", rowspan=levels)]
        cells += [Cell(1, k, x) for k, x in enumerate("类款项")]
        heads = [replace(c, rowspan=levels) if c.rowspan > 1 else c for c in heads]
    else:
        cells = [Cell(0, 0, "科目编码", rowspan=levels), Cell(0, 1, "科目名称", rowspan=levels)]
        heads = [replace(c, rowspan=levels) if c.rowspan > 1 else c for c in heads]
    cells += heads
    n = len(fam.heads)
    r0 = levels
    cells.append(Cell(r0, 0, "合计", colspan=code_cols + 1))
    cells += [Cell(r0, code_cols + 1 + k, fmt_amount(v), align="right") for k, v in enumerate(amounts(total, n, scale))]
    for i, r in enumerate(rows, r0 + 1):
        codes = (r.code[:3], r.code[3:5], r.code[5:7]) if fam.code_split else (r.code,)
        cells += [Cell(i, k, c) for k, c in enumerate(codes)]
        cells.append(Cell(i, code_cols, r.name, align="left"))
        cells += [Cell(i, code_cols + 1 + k, fmt_amount(v), align="right") for k, v in enumerate(amounts(r, n, scale))]
    widths = (11.0,) * code_cols if code_cols == 3 else (20.0,)
    widths += (48.0 if code_cols == 3 else 50.0,) + (24.0,) * n
    return TableSpec("p001-t1", 1, fam.title, False, widths, tuple(cells))


def econ_table(fam: Family, rng: random.Random, scale: int) -> TableSpec:
    """经济分类科目编码 | 科目名称 | 合计 | 人员经费 | 公用经费 (Σ of the 款 per 类)."""
    heads, levels = amount_head(fam.heads, 2)
    cells = [Cell(0, 0, "经济分类科目编码", rowspan=levels), Cell(0, 1, "科目名称", rowspan=levels), *heads]
    values: dict[str, tuple[int, int]] = {}
    for code, _name in ECON:
        if len(code) == 5:
            values[code] = (rng.randint(2_000, 90_000), 0) if code < "302" else (0, rng.randint(500, 9_000))
    for code, _name in ECON:
        if len(code) == 3:
            members = [v for c, v in values.items() if c.startswith(code)]
            values[code] = (sum(a for a, _ in members), sum(b for _, b in members))
    total = (sum(v[0] for c, v in values.items() if len(c) == 3), sum(v[1] for c, v in values.items() if len(c) == 3))
    rows = [("", "合计", total)] + [(c, n, values[c]) for c, n in ECON]
    for i, (code, name, (a, b)) in enumerate(rows, levels):
        cells += [Cell(i, 0, code), Cell(i, 1, name, align="left" if code else "center")]
        cells += [Cell(i, 2 + k, fmt_amount(v * scale), align="right") for k, v in enumerate((a + b, a, b))]
    return TableSpec("p001-t1", 1, fam.title, False, (30.0, 50.0, 28.0, 28.0, 28.0), tuple(cells))


def summary_table(fam: Family, rng: random.Random, scale: int) -> TableSpec:
    """收入 (项目 | 预算数/决算数) | 支出 (项目 | 预算数/决算数); 收入总计 = 支出总计."""
    left, right = ms.budget_figures(rng)
    measure = fam.heads[0]
    cells = [Cell(0, 0, "收入", colspan=2), Cell(0, 2, "支出", colspan=2),
             Cell(1, 0, "项目"), Cell(1, 1, measure), Cell(1, 2, "项目"), Cell(1, 3, measure)]
    for i, (a, b) in enumerate(zip(left, right, strict=True), 2):
        cells += [Cell(i, 0, a.label, align="left"), Cell(i, 1, fmt_amount(a.amount * scale), align="right"),
                  Cell(i, 2, b.label, align="left"), Cell(i, 3, fmt_amount(b.amount * scale), align="right")]
    return TableSpec("p001-t1", 1, fam.title, False, (56.0, 27.0, 56.0, 27.0), tuple(cells))


def single_table(fam: Family, rng: random.Random, scale: int) -> TableSpec:
    """One row of amounts under a two-level header (the 三公 table); 合计 = Σ, 小计 = 购置 + 运行."""
    heads, levels = amount_head(fam.heads, 0)
    abroad, buy, run, host = (rng.randint(0, 3_000), rng.randint(0, 30_000), rng.randint(1_000, 9_000),
                              rng.randint(200, 3_000))
    vals = (abroad + buy + run + host, abroad, buy + run, buy, run, host)
    cells = [*heads, *(Cell(levels, k, fmt_amount(v * scale), align="right") for k, v in enumerate(vals))]
    return TableSpec("p001-t1", 1, fam.title, False, (26.0,) * len(fam.heads), tuple(cells))


LIST_ROWS = {
    "b-procure": (("办公设备购置", "货物"), ("信息系统运维", "服务"), ("农田水利维修", "工程"),
                  ("物业管理服务", "服务")),
    "b-project": (("高标准农田建设", "一次性项目"), ("动物防疫补助", "经常性项目"), ("农业技术推广", "经常性项目"),
                  ("乡村振兴示范村建设", "一次性项目")),
    "b-targets": (("产出指标", "数量指标"), ("产出指标", "质量指标"), ("效益指标", "社会效益指标"),
                  ("满意度指标", "服务对象满意度指标")),
    "u-basic": (("示例市农业农村局机关", "行政单位"), ("示例市农业技术推广中心", "事业单位"),
                ("示例市动物疫病预防控制中心", "事业单位")),
    "u-staff": (("行政编制", ""), ("事业编制", ""), ("工勤编制", "")),
}


def list_table(fam: Family, rng: random.Random, scale: int) -> TableSpec:
    """Rows of text labels then figures: procurement, projects, performance targets, untyped tables."""
    cells = [Cell(0, k, h) for k, h in enumerate(fam.heads)]
    for i, labels in enumerate(LIST_ROWS[fam.key], 1):
        if fam.key == "b-targets":
            row = [*labels, f"完成率{rng.randint(90, 100)}%", f"≥{rng.randint(80, 99)}%"][:4]
        elif fam.key.startswith("u-"):
            texts = [t for t in labels if t]
            row = [*texts, *(str(rng.randint(5, 120)) for _ in range(len(fam.heads) - len(texts)))]
        else:
            a, b = rng.randint(10_000, 500_000), rng.randint(0, 50_000)
            row = [*labels, fmt_amount((a + b) * scale), fmt_amount(a * scale), fmt_amount(b * scale)]
        cells += [Cell(i, k, t, align="left" if k == 0 else "center") for k, t in enumerate(row)]
    width = 170.0 if not fam.landscape else 240.0
    first = 50.0
    rest = (width - first) / (len(fam.heads) - 1)
    return TableSpec("p001-t1", 1, fam.title, False, (first,) + (rest,) * (len(fam.heads) - 1), tuple(cells))


def family_table(fam: Family, seed: int, scale: int) -> TableSpec:
    rng = random.Random(seed)
    if fam.shape == "coded":
        rows, total = ms.final_accounts_figures(rng)
        kept = [r for r in rows if r.code[:3] in ("201", "210", "221")]  # whole 类 groups: 类 = Σ款 = Σ项
        return coded_table(fam, kept, total_of(kept, total), scale)
    if fam.shape == "econ":
        return econ_table(fam, rng, scale)
    if fam.shape == "summary":
        return summary_table(fam, rng, scale)
    if fam.shape == "single":
        return single_table(fam, rng, scale)
    return list_table(fam, rng, scale)


def total_of(rows: Sequence[ExpenseRow], like: ExpenseRow) -> ExpenseRow:
    """合计 of the 类 rows printed."""
    top = [r for r in rows if len(r.code) == 3]
    return ExpenseRow("", like.name, sum(r.basic for r in top), sum(r.project for r in top))


# ----------------------------------------------------------------------------- caption layouts
#: layout -> how the block above the table is printed (see :func:`draw_caption`)
LAYOUTS = ("unit", "meta", "meta-above", "coded", "coded-tail", "table-no", "year", "dept", "continued",
           "two-line")
#: families also printed with no title at all (a code line and a meta line only): typed by their header
HEADER_ONLY = ("b-three", "f-three", "b-gp-basic", "f-gp-basic", "b-summary", "f-summary", "f-income", "b-targets")


@dataclass(frozen=True)
class Variant:
    """One probe document: a family's table under one caption layout, at one dpi and typeface."""

    family: Family
    layout: str
    dpi: int
    font: str  # "sans" | "serif"
    unit: str  # "万元" | "元"
    number: int  # the table's number in the disclosure (its code)

    @property
    def id(self) -> str:
        return f"{self.family.key}-{self.layout}-{self.dpi}-{self.font}"

    @property
    def printed_title(self) -> str:
        """The title as its line prints it (code split off): what the truth's ``title`` holds."""
        t = self.family.title
        if self.layout == "year":
            return f"2024年{t}"
        if self.layout == "dept":
            return f"{DEPT}2024年{t}"
        if self.layout == "continued":
            return f"{t}（续）"
        if self.layout == "two-line":
            return f"{DEPT}2024年度{t}"
        if self.layout == "code-only":
            return ""
        return t

    @property
    def code(self) -> str:
        n = self.number
        if self.layout in ("meta", "meta-above", "coded", "code-only"):
            return f"公开{n:02d}表"
        if self.layout == "coded-tail":
            return f"附表{n}"
        if self.layout == "table-no":
            return f"表{n}"
        return ""


def draw_caption(draw: ImageDraw.ImageDraw, v: Variant, x0: int, x1: int, y: int, style: ms.Style) -> int:
    """The block above the table in ``v.layout``; returns the y below it."""
    cx = (x0 + x1) / 2
    big, font = style.face(1.6), style.face()
    gap = round(font.size * 1.7)
    unit_line = f"金额单位：{v.unit}" if v.layout in ("meta", "dept", "code-only") else f"单位：{v.unit}"
    if v.layout == "meta-above":  # code line top left, then the title, then 部门：… 单位：元
        draw.text((x0, y), v.code, font=font, fill=0, anchor="lt")
        y += gap
        y = ms.draw_heading(draw, v.printed_title, cx, y, big)
        draw.text((x0, y), f"部门：{DEPT}", font=font, fill=0, anchor="lt")
        draw.text((x1, y), unit_line, font=font, fill=0, anchor="rt")
        return y + gap
    if v.layout == "code-only":  # 公开NN表 centred where the title would stand, then the meta line
        y = ms.draw_heading(draw, v.code, cx, y, big)
    elif v.layout == "coded":
        y = ms.draw_heading(draw, f"{v.code}：{v.printed_title}", cx, y, big)
    elif v.layout == "coded-tail":
        y = ms.draw_heading(draw, f"{v.printed_title}（{v.code}）", cx, y, big)
    elif v.layout == "table-no":
        y = ms.draw_heading(draw, f"{v.code} {v.printed_title}", cx, y, big)
    elif v.layout == "two-line":
        for line in (f"{DEPT}2024年度", v.family.title):  # wrapped at 1.35 lines, as a long title wraps
            draw.text((cx, y), line, font=big, fill=0, anchor="mt", stroke_width=1, stroke_fill=0)
            y += round(big.size * 1.35)
        y += round(big.size * 0.45)
    else:
        y = ms.draw_heading(draw, v.printed_title, cx, y, big)
    if v.layout in ("meta", "code-only"):  # 公开NN表 right, then 部门名称 | 年度 | 金额单位
        if v.layout == "meta":
            draw.text((x1, y), v.code, font=font, fill=0, anchor="rt")
            y += round(font.size * 1.5)
        draw.text((x0, y), f"部门名称：{DEPT}", font=font, fill=0, anchor="lt")
        draw.text((cx, y), "2024年度", font=font, fill=0, anchor="mt")
        draw.text((x1, y), unit_line, font=font, fill=0, anchor="rt")
        return y + gap
    draw.text((x0, y), f"编制单位：{DEPT}", font=font, fill=0, anchor="lt")
    draw.text((x1, y), unit_line, font=font, fill=0, anchor="rt")
    return y + gap


def font_path(kind: str) -> str | None:
    if kind == "serif":
        return next((p for p in SERIF_CANDIDATES if Path(p).exists()), None)
    found = ms.find_cjk_font()
    return str(found) if found else None


def render(v: Variant, spec: TableSpec, font: str) -> Image.Image:
    rule = 1 if v.dpi <= 150 else 2 if v.dpi <= 200 else 3
    style = ms.Style(v.dpi, font, 10.0, rule, rule + 1)
    img = ms.blank_page(v.dpi)
    if v.family.landscape or ms.table_width(spec, v.dpi) > img.width * 0.92:
        img = Image.new("L", (img.height, img.width), 255)
    draw = ImageDraw.Draw(img)
    width = ms.table_width(spec, v.dpi)
    x0 = (img.width - width) // 2
    y = draw_caption(draw, v, x0, x0 + width, ms.px(18, v.dpi), style)
    ms.draw_table(draw, spec, x0, y, style)
    ms.draw_folio(img, spec.page, style)
    return img


def variants(serif: bool) -> list[Variant]:
    """Every family once, cycling layouts, dpis, typefaces and units so that each appears with several families;
    the coded 支出 tables once more under every layout."""
    dpis, fonts, units = (150, 200, 300), ("sans", "serif") if serif else ("sans",), ("万元", "元")
    out = []
    for i, fam in enumerate(FAMILIES):
        out.append(Variant(fam, LAYOUTS[i % len(LAYOUTS)], dpis[i % 3], fonts[(i // 3) % len(fonts)],
                           units[(i // 2) % 2], i + 1))
    extra = {f.key: f for f in FAMILIES}
    for j, layout in enumerate(LAYOUTS):
        fam = extra["b-gp-expend" if j % 2 else "f-expend"]
        if all((v.family.key, v.layout) != (fam.key, layout) for v in out):
            out.append(Variant(fam, layout, dpis[(j + 1) % 3], fonts[j % len(fonts)], units[j % 2], 3 + j))
    for j, key in enumerate(HEADER_ONLY):
        out.append(Variant(extra[key], "code-only", dpis[j % 3], fonts[(j // 2) % len(fonts)], units[j % 2], 5 + j))
    return out


def truth_table(v: Variant, spec: TableSpec) -> dict[str, Any]:
    return {**ms.table_truth(replace(spec, title=v.printed_title)), "continued": v.layout == "continued"}


def generate(out: Path, serif: bool = True, keep: bool = False) -> list[Variant]:
    """Write the probe corpus under ``out``; returns the variants written.  ``keep``: do not render again the
    pages already there."""
    sans = font_path("sans")
    if sans is None:
        raise SystemExit(f"no CJK font found: apt-get install fonts-wqy-zenhei, or set {ms.FONT_ENV}")
    serif_font = font_path("serif") if serif else None
    chosen = variants(serif_font is not None)
    docs, labels = [], {}
    for k, v in enumerate(chosen):
        scale = 100 if v.unit == "元" else 1
        spec = family_table(v.family, ms.SEED + k, scale)
        docs.append({"id": v.id, "title": v.printed_title, "kind": v.family.kind or "other",
                     "origin": "rendered from figures", "scan": "scan.png", "pages": None, "truth": "truth.json",
                     "variant": {"family": v.family.key, "layout": v.layout, "dpi": v.dpi, "font": v.font,
                                 "unit": v.unit, "code": v.code}})
        labels[f"{v.id}/p001-t1"] = v.family.type
        if keep and (out / v.id / "scan.png").exists():  # deterministic: a page already rendered is the same
            continue
        font = serif_font if v.font == "serif" and serif_font else sans
        params = ms.ScanParams(v.dpi, (-0.6, 0.3, 0.9)[k % 3], 0.84, 0.95, 0.12, 0.6 * v.dpi / 200, 3.0, 6, 55,
                               1, ms.SEED + 100 + k)
        gray = ms.jpeg_roundtrip(ms.simulate_scan(render(v, spec, font), params), params.jpeg_quality)
        ms.write(out / v.id / "scan.png", ms.png_bytes(gray, v.dpi))
        truth = {"document": v.id, "tables": [truth_table(v, spec)]}
        ms.write(out / v.id / "truth.json", ms.dumps_truth(truth))
    ms.write(out / "manifest.json", json.dumps({"version": 1, "documents": docs}, ensure_ascii=False, indent=1))
    ms.write(out / "labels.json", json.dumps(labels, ensure_ascii=False, indent=1))
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="corpus folder to write")
    ap.add_argument("--no-serif", action="store_true", help="sans typeface only")
    ap.add_argument("--keep", action="store_true", help="do not render again the pages already in --out")
    a = ap.parse_args(argv)
    for v in generate(a.out, serif=not a.no_serif, keep=a.keep):
        print(v.id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
