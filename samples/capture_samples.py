"""Pages as they are really printed and captured, generated from ``make_samples`` figures and typesetting.

Three kinds of page, each with its truth (the table's cells, in the format of FORMAT.md):

* ``unruled``: a 支出决算表 whose columns and outer box are ruled but whose body rows are separated by
  whitespace only (the header block keeps its rulings); long names wrap onto two lines beside one amount.
* ``colsless``: an expenditure table whose rows and outer box are ruled but whose columns are separated by
  whitespace only (spreadsheet printouts, the item block of a customs declaration).
* ``ragged``: a procurement table whose items and funding sources split each project's rows differently.
* ``open``: a continuation printed without its top (and left) border.
* ``sealed``: a colour scan of a fully ruled table with a red (or blue) round official seal (公章) stamped
  over amount cells; black print under the seal stays black (multiplicative ink).
* ``faint``: a fully ruled table whose rulings are dotted (dot-matrix), dashed or pale, photographed under
  uneven light (a phone photo's lighting: bright on one side, dim in a corner).
* ``photo``: a scanned page photographed against a darker background: a known perspective transform,
  optionally after a quarter turn; also tinted paper on a lighter background, and a low-contrast one.

``python samples/capture_samples.py --out DIR`` writes ``DIR/<case>/page.png`` (``.jpg`` for photos) and
``DIR/<case>/truth.json`` plus ``DIR/manifest.json`` (a corpus ``fiscalscan eval`` and ``bench/capture.py``
read).  Every page is deterministic for its seed.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from samples import make_samples as ms

# ----------------------------------------------------------------------------- tables


def unruled_final_table(fig: ms.Figures, n_rows: int = 18) -> ms.TableSpec:
    """The 支出决算表 (header, 栏次, 合计 and up to ``n_rows`` expenditure rows) as one table on one page."""
    r0 = ms.FINAL_HEADER_ROWS
    cells = ms.final_header()
    cells.append(ms.Cell(r0, 0, "栏次", colspan=4))
    cells += [ms.Cell(r0, 4 + k, str(k + 1)) for k in range(len(ms.FINAL_AMOUNT_HEADS))]
    cells.append(ms.Cell(r0 + 1, 0, "合计", colspan=4))
    cells += ms.amount_cells(r0 + 1, 4, fig.final_total)
    for i, r in enumerate(fig.final_rows[:n_rows]):
        cells += ms.expense_cells(r0 + 2 + i, r)
    return ms.TableSpec("p001-t1", 1, "支出决算表", False, ms.FINAL_COLS_MM, tuple(cells))


#: the rows-ruled table: code, name and three amount columns typeset with whitespace between them
COLSLESS_COLS_MM = (22.0, 52.0, 30.0, 30.0, 30.0)
COLSLESS_HEADS = ("科目编码", "科目名称", "合计", "基本支出", "项目支出")


def colsless_table(fig: ms.Figures, n_rows: int = 16) -> ms.TableSpec:
    """An expenditure table (one heading row, 合计, up to ``n_rows`` rows of code, name and three amounts) as
    printed from a spreadsheet whose columns carry no rulings."""
    cells = [ms.Cell(0, k, h) for k, h in enumerate(COLSLESS_HEADS)]
    rows = [fig.final_total, *fig.final_rows[:n_rows]]
    for i, r in enumerate(rows, start=1):
        cells.append(ms.Cell(i, 0, "" if i == 1 else r.code))
        cells.append(ms.Cell(i, 1, "合计" if i == 1 else r.name, align="left"))
        cells += [ms.Cell(i, 2 + k, ms.fmt_amount(v), align="right")
                  for k, v in enumerate((r.total, r.basic, r.project))]
    return ms.TableSpec("p001-t1", 1, "支出明细表", False, COLSLESS_COLS_MM, tuple(cells))


def draw_rows_ruled_table(draw: ImageDraw.ImageDraw, spec: ms.TableSpec, x: int, y: int,
                          style: ms.Style) -> int:
    """``make_samples.draw_table`` without vertical rulings between the columns: every row ruled across the
    table, the outer box drawn, the columns separated by whitespace only."""
    col_x = ms.edges(x, (ms.px(w, style.dpi) for w in spec.col_widths_mm))
    row_y = ms.edges(y, ms.row_heights(spec, col_x, style))
    font, pad = style.face(), ms.px(style.pad_mm, style.dpi)
    for c in spec.cells:
        cx0, cx1 = col_x[c.col], col_x[c.col + c.colspan]
        cy0, cy1 = row_y[c.row], row_y[c.row + c.rowspan]
        ms.draw_lines(draw, cx0, cy0, cx1, cy1, ms.wrap(c.text, font, cx1 - cx0 - 2 * pad), c.align, style)
    for yy in row_y:
        ms.hline(draw, col_x[0], col_x[-1], yy, style.frame_px if yy in (row_y[0], row_y[-1]) else style.rule_px)
    ms.vline(draw, col_x[0], row_y[0], row_y[-1], style.frame_px)
    ms.vline(draw, col_x[-1], row_y[0], row_y[-1], style.frame_px)
    return row_y[-1]


#: a procurement table exported from a spreadsheet: per project, its purchase items and its funding sources are
#: listed side by side, so the two columns' row boundaries differ (six grid rows per project)
RAGGED_COLS_MM = (12.0, 44.0, 40.0, 24.0, 28.0, 34.0)
RAGGED_HEADS = ("序号", "项目名称", "采购品目", "采购方式", "预算金额", "资金来源")
RAGGED_ROWS_PER_PROJECT = 6
PROCUREMENT_ITEMS = ("办公设备", "台式计算机", "复印纸", "物业管理服务", "信息系统运维", "车辆维修和保养",
                     "印刷服务", "会议服务", "家具用具")
FUNDING = ("一般公共预算拨款", "政府性基金预算拨款", "事业收入", "其他收入")
METHODS = ("公开招标", "竞争性磋商", "询价", "单一来源")


def ragged_table(fig: ms.Figures, n_projects: int = 4, seed: int = 0) -> ms.TableSpec:
    """A 政府采购预算表 whose items (1 or 3 per project) and funding sources (1 or 2) split each project's six
    grid rows differently: the items' row boundaries are not the sources' (one column's cell spans several
    rows of its neighbour)."""
    rng = np.random.default_rng(ms.SEED + seed)
    k = RAGGED_ROWS_PER_PROJECT
    cells = [ms.Cell(0, c, h) for c, h in enumerate(RAGGED_HEADS)]
    for p in range(n_projects):
        r0 = 1 + p * k
        row = fig.final_rows[(3 * p) % len(fig.final_rows)]
        cells.append(ms.Cell(r0, 0, str(p + 1), rowspan=k))
        cells.append(ms.Cell(r0, 1, row.name + "项目", rowspan=k, align="left"))
        n_items = (1, 3)[int(rng.integers(0, 2)) if p else 1]
        n_src = (2, 1)[int(rng.integers(0, 2))] if p else 2
        for i in range(n_items):
            span = k // n_items
            item = PROCUREMENT_ITEMS[int(rng.integers(0, len(PROCUREMENT_ITEMS)))]
            amount = int(rng.integers(50_00, 900_00))
            cells.append(ms.Cell(r0 + i * span, 2, item, rowspan=span, align="left"))
            cells.append(ms.Cell(r0 + i * span, 3, METHODS[int(rng.integers(0, len(METHODS)))], rowspan=span))
            cells.append(ms.Cell(r0 + i * span, 4, ms.fmt_amount(amount), rowspan=span, align="right"))
        for j in range(n_src):
            span = k // n_src
            cells.append(ms.Cell(r0 + j * span, 5, FUNDING[(p + j) % len(FUNDING)], rowspan=span))
    return compact_rows(ms.TableSpec("p001-t1", 1, "政府采购预算表", False, RAGGED_COLS_MM, tuple(cells)))


def compact_rows(spec: ms.TableSpec) -> ms.TableSpec:
    """``spec`` without the grid rows no cell starts or ends at: the printed table (and its truth) has a
    row boundary only where some cell's border is drawn."""
    used = sorted({c.row for c in spec.cells} | {c.row + c.rowspan for c in spec.cells})
    new = {r: i for i, r in enumerate(used)}
    return replace(spec, cells=tuple(replace(c, row=new[c.row], rowspan=new[c.row + c.rowspan] - new[c.row])
                                     for c in spec.cells))


def header_rows(spec: ms.TableSpec) -> int:
    """Rows of the header block: up to the first row whose cells are all single-row."""
    return ms.FINAL_HEADER_ROWS + 1 if spec.title == "支出决算表" else 2


def draw_partial_table(draw: ImageDraw.ImageDraw, spec: ms.TableSpec, x: int, y: int, style: ms.Style,
                       ruled_rows: int) -> int:
    """``make_samples.draw_table`` without the horizontal rulings between body rows: the header block (the
    first ``ruled_rows`` rows) keeps every ruling, the body keeps its column rulings and the outer box."""
    col_x = ms.edges(x, (ms.px(w, style.dpi) for w in spec.col_widths_mm))
    row_y = ms.edges(y, ms.row_heights(spec, col_x, style))
    font, pad = style.face(), ms.px(style.pad_mm, style.dpi)
    for c in spec.cells:
        cx0, cx1 = col_x[c.col], col_x[c.col + c.colspan]
        cy0, cy1 = row_y[c.row], row_y[c.row + c.rowspan]
        ms.draw_lines(draw, cx0, cy0, cx1, cy1, ms.wrap(c.text, font, cx1 - cx0 - 2 * pad), c.align, style)
        if c.row < ruled_rows:
            ms.hline(draw, cx0, cx1, cy0, style.rule_px)
            ms.hline(draw, cx0, cx1, cy1, style.rule_px)
            ms.vline(draw, cx0, cy0, cy1, style.rule_px)
            ms.vline(draw, cx1, cy0, cy1, style.rule_px)
    for c in spec.cells:  # body: the sides of every cell, so a merged cell ("合计" over four columns) is open
        if c.row >= ruled_rows:
            cy0, cy1 = row_y[c.row], row_y[c.row + c.rowspan]
            ms.vline(draw, col_x[c.col], cy0, cy1, style.rule_px)
            ms.vline(draw, col_x[c.col + c.colspan], cy0, cy1, style.rule_px)
    f = style.frame_px
    ms.hline(draw, col_x[0], col_x[-1], row_y[0], f)
    ms.hline(draw, col_x[0], col_x[-1], row_y[-1], f)
    ms.vline(draw, col_x[0], row_y[0], row_y[-1], f)
    ms.vline(draw, col_x[-1], row_y[0], row_y[-1], f)
    return row_y[-1]


def table_page(spec: ms.TableSpec, style: ms.Style, ruled_rows: int | None, cols_ruled: bool = True,
               open_sides: str = "") -> Image.Image:
    """An A4 page with the caption, unit line and ``spec`` (fully ruled when ``ruled_rows`` is None; rows ruled
    and columns not when ``cols_ruled`` is false; without the outer sides named in ``open_sides``, as a
    continuation is printed when the spreadsheet's border was not)."""
    img = ms.blank_page(style.dpi)
    draw = ImageDraw.Draw(img)
    width = ms.table_width(spec, style.dpi)
    x0 = (img.width - width) // 2
    y = ms.draw_heading(draw, spec.title, img.width / 2, ms.px(22, style.dpi), style.face(1.8))
    y = ms.draw_unit_line(draw, x0, x0 + width, y, style)
    if not cols_ruled:
        draw_rows_ruled_table(draw, spec, x0, y, style)
    elif ruled_rows is None:
        ms.draw_table(draw, spec, x0, y, style)
    else:
        draw_partial_table(draw, spec, x0, y, style, ruled_rows)
    if open_sides:
        erase_sides(draw, x0, y, x0 + width, ms.edges(y, ms.row_heights(
            spec, ms.edges(x0, (ms.px(w, style.dpi) for w in spec.col_widths_mm)), style))[-1],
            open_sides.split(","), style.frame_px + 2)
    ms.draw_folio(img, 1, style)
    return img


def erase_sides(draw: ImageDraw.ImageDraw, x0: int, y0: int, x1: int, y1: int, sides: Sequence[str], f: int
                ) -> None:
    """Paint the named outer sides of the table box (x0, y0, x1, y1) white: the border not printed."""
    boxes = {"top": (x0 - f, y0 - f, x1 + f, y0 + f), "bottom": (x0 - f, y1 - f, x1 + f, y1 + f),
             "left": (x0 - f, y0 - f, x0 + f, y1 + f), "right": (x1 - f, y0 - f, x1 + f, y1 + f)}
    for side in sides:
        draw.rectangle(boxes[side], fill=255)


# ----------------------------------------------------------------------------- seals

SEAL_RED = (0.78, 0.12, 0.16)  # multiplicative tint of stamp ink (R, G, B), 1 = no ink
SEAL_BLUE = (0.15, 0.25, 0.75)


def seal_mask(size: int, font: str, seed: int) -> np.ndarray:
    """0..1 ink coverage of a round official seal ``size`` pixels across: a ring, a star and a legend."""
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    ring = max(3, size // 28)
    d.ellipse([ring, ring, size - ring, size - ring], outline=255, width=ring)
    c, r = size / 2, size * 0.13
    star = [(c + (r if k % 2 == 0 else r * 0.4) * math.sin(k * math.pi / 5),
             c - (r if k % 2 == 0 else r * 0.4) * math.cos(k * math.pi / 5)) for k in range(10)]
    d.polygon(star, fill=255)
    face = ms.load_font(font, max(8, size // 9))
    legend = "示例市财政局财务专用章"
    for k, ch in enumerate(legend):  # along the upper arc
        a = math.radians(-150 + 120 * k / (len(legend) - 1))
        gx, gy = c + 0.36 * size * math.cos(a), c + 0.36 * size * math.sin(a)
        glyph = Image.new("L", (face.size * 2, face.size * 2), 0)
        ImageDraw.Draw(glyph).text((face.size, face.size), ch, font=face, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.BILINEAR)
        img.paste(255, (round(gx - face.size), round(gy - face.size)), glyph)
    m = np.asarray(img, np.float32) / 255.0
    rng = np.random.default_rng(seed)  # uneven stamp pressure
    pressure = cv2.resize(rng.uniform(0.55, 1.0, (6, 6)).astype(np.float32), (size, size),
                          interpolation=cv2.INTER_CUBIC)
    return np.clip(m * pressure, 0.0, 1.0)


def stamp(rgb: np.ndarray, mask: np.ndarray, cx: int, cy: int, tint: Sequence[float]) -> np.ndarray:
    """Multiply stamp ink into a float RGB page (1 = white) centred at (cx, cy): print under it stays dark."""
    out = rgb.copy()
    s = mask.shape[0]
    x0, y0 = cx - s // 2, cy - s // 2
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(rgb.shape[1], x0 + s), min(rgb.shape[0], y0 + s)
    m = mask[ya - y0: yb - y0, xa - x0: xb - x0, None]
    out[ya:yb, xa:xb] *= 1.0 - m * (1.0 - np.asarray(tint, np.float32))
    return out


def colour_scan(rgb: np.ndarray, p: ms.ScanParams) -> np.ndarray:
    """``make_samples.simulate_scan`` for a float RGB page: skew, warm paper, dust, blur, noise; uint8 RGB."""
    rng = np.random.default_rng(p.seed)
    channels = [ms.rotate(rgb[..., k], p.skew_deg_ccw) for k in range(3)]
    field = ms.paper(channels[0].shape, rng, p.paper_min, p.paper_max)
    specks = 1.0 - ms.dust(channels[0].shape, rng, p.dust_specks)
    tint = (1.0, 0.98, 0.93)  # slightly yellow paper
    out = []
    for k, ch in enumerate(channels):
        lit = field * tint[k] * (p.ink + (1.0 - p.ink) * ch) * specks
        blurred = cv2.GaussianBlur(lit * 255.0, (0, 0), p.blur_sigma_px)
        out.append(blurred + rng.normal(0.0, p.noise_sigma, blurred.shape).astype(np.float32))
    return np.clip(np.rint(np.stack(out, axis=2)), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- faint, dotted, dashed rulings


def text_only_page(spec: ms.TableSpec, style: ms.Style) -> Image.Image:
    """``table_page(spec, style, None)`` without any ruling: caption, unit line, cell text, folio."""
    img = ms.blank_page(style.dpi)
    draw = ImageDraw.Draw(img)
    width = ms.table_width(spec, style.dpi)
    x0 = (img.width - width) // 2
    y = ms.draw_heading(draw, spec.title, img.width / 2, ms.px(22, style.dpi), style.face(1.8))
    y = ms.draw_unit_line(draw, x0, x0 + width, y, style)
    col_x = ms.edges(x0, (ms.px(w, style.dpi) for w in spec.col_widths_mm))
    row_y = ms.edges(y, ms.row_heights(spec, col_x, style))
    font, pad = style.face(), ms.px(style.pad_mm, style.dpi)
    for c in spec.cells:
        cx0, cx1 = col_x[c.col], col_x[c.col + c.colspan]
        cy0, cy1 = row_y[c.row], row_y[c.row + c.rowspan]
        ms.draw_lines(draw, cx0, cy0, cx1, cy1, ms.wrap(c.text, font, cx1 - cx0 - 2 * pad), c.align, style)
    ms.draw_folio(img, 1, style)
    return img


def faint_ruled_page(spec: ms.TableSpec, style: ms.Style, dash_mm: tuple[float, float], ruling_ink: float
                     ) -> np.ndarray:
    """The fully ruled page (0..1 float, 1 = paper) whose rulings are printed in dashes of ``dash_mm`` (on,
    off; (0, 0) solid: a dot-matrix printer's dots are a fraction of a millimetre) and at brightness
    ``ruling_ink`` (0 black, pale towards 1); the text stays black."""
    full = np.asarray(table_page(spec, style, None), np.float32) / 255.0
    text = np.asarray(text_only_page(spec, style), np.float32) / 255.0
    ruling = (full < 0.5) & (text > 0.5)
    on, off = (ms.px(v, style.dpi) if v else 0 for v in dash_mm)
    if on and off:  # the pattern runs along x on horizontal rulings and along y on vertical ones
        yy, xx = np.indices(full.shape)
        ruling &= ((xx + yy) % (on + off)) < on
    page = text.copy()
    page[ruling] = ruling_ink
    return page


def uneven_light(page: np.ndarray, depth: float, seed: int) -> np.ndarray:
    """A phone photo's lighting over a uint8 grey page: brightness falling by up to ``depth`` (0..1) from the
    lit side to a dim corner, with a soft shadow band; uint8."""
    rng = np.random.default_rng(seed)
    h, w = page.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.0, 0.3) * w, rng.uniform(0.0, 0.3) * h  # the light's side
    dist = np.hypot(xx - cx, yy - cy) / math.hypot(w, h)
    shadow = np.exp(-(((xx - rng.uniform(0.4, 0.7) * w) / (0.15 * w)) ** 2)) * 0.3
    light = 1.0 - depth * np.clip(dist + shadow, 0.0, 1.0)
    return np.clip(np.rint(page.astype(np.float32) * light), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- photographs


def photograph(page: np.ndarray, quarter_turns: int, tilt: float, seed: int, background: float = 70.0,
               paper_gain: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A (grey or RGB) page photographed at an angle on a background of grey level ``background`` (darker or
    lighter than the paper, whose brightness is scaled by ``paper_gain``: tinted or shaded paper): turned by
    ``quarter_turns`` (counter-clockwise), then a perspective transform whose far side is ``tilt`` (0..0.3)
    narrower, a few degrees of rotation, uneven light.  Returns the photo and the 3×3 homography page -> photo."""
    rng = np.random.default_rng(seed)
    turned = np.ascontiguousarray(np.rot90(page, quarter_turns))
    h, w = turned.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    inset = tilt * w / 2
    quad = np.float32([[inset, 0], [w - inset, 0], [w, h], [0, h]])
    angle = math.radians(float(rng.uniform(-6, 6)))
    rot = np.float32([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    quad = (quad - [w / 2, h / 2]) @ rot.T * 0.8
    out_w, out_h = round(w * 1.05), round(h * 1.0)
    quad += [out_w / 2, out_h / 2]
    hmat = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    bg = np.full((out_h, out_w, *turned.shape[2:]), background, np.float32)
    bg += cv2.resize(rng.uniform(-20, 20, (5, 5)).astype(np.float32), (out_w, out_h))[
        (...,) + ((None,) if turned.ndim == 3 else ())]
    warped = cv2.warpPerspective(turned.astype(np.float32) * paper_gain, hmat, (out_w, out_h), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=-1)
    photo = np.where(warped >= 0, warped, bg)
    light = np.linspace(0.88, 1.0, out_w, dtype=np.float32)[None, :]
    photo = photo * (light[..., None] if photo.ndim == 3 else light)
    photo = cv2.GaussianBlur(photo, (0, 0), 0.8) + rng.normal(0, 3.0, photo.shape)
    return np.clip(np.rint(photo), 0, 255).astype(np.uint8), hmat


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "unruled" | "colsless" | "ragged" | "open" | "faint" | "sealed" | "photo"
    seed: int
    dpi: int = 200
    skew: float = 0.4
    seal: str = "red"
    quarter_turns: int = 0
    tilt: float = 0.12
    background: float = 70.0  # photo background grey level
    paper_gain: float = 1.0  # paper brightness in the photo (tinted, shaded)
    open_sides: str = ""  # "open": the outer sides not printed (comma-separated: top, left, right, bottom)
    dash_mm: tuple[float, float] = (0.0, 0.0)  # "faint": rulings' dash and gap (0, 0: solid)
    ruling_ink: float = 0.0  # "faint": the rulings' brightness (0 black .. 1 paper)
    light_depth: float = 0.0  # "faint": how much darker the dimmest corner of the photo is


CASES = (
    Case("unruled-200", "unruled", 1),
    Case("unruled-150-skewed", "unruled", 2, dpi=150, skew=-1.1),
    Case("colsless-200", "colsless", 7),
    Case("colsless-150-skewed", "colsless", 8, dpi=150, skew=0.9),
    Case("ragged-200", "ragged", 11),
    Case("ragged-150-skewed", "ragged", 12, dpi=150, skew=-0.8),
    Case("open-top-left", "open", 13, open_sides="top,left"),
    Case("open-top-150", "open", 14, dpi=150, skew=0.7, open_sides="top"),
    Case("sealed-red", "sealed", 3),
    Case("sealed-blue", "sealed", 4, seal="blue", skew=-0.6),
    Case("dotted-rulings", "faint", 15, dash_mm=(0.25, 0.5), ruling_ink=0.35, light_depth=0.35),
    Case("dashed-rulings-150", "faint", 16, dpi=150, skew=-0.7, dash_mm=(2.0, 1.5), ruling_ink=0.5,
         light_depth=0.3),
    Case("faint-rulings-photo-light", "faint", 17, skew=0.5, ruling_ink=0.8, light_depth=0.45),
    Case("photo-tilted", "photo", 5, tilt=0.10),
    Case("photo-quarter-turn", "photo", 6, quarter_turns=1, tilt=0.08),
    Case("photo-lighter-background", "photo", 9, quarter_turns=3, tilt=0.08, background=245.0, paper_gain=0.8),
    Case("photo-low-contrast", "photo", 10, tilt=0.10, background=150.0, paper_gain=0.82),
)


def scan_params(case: Case) -> ms.ScanParams:
    return ms.ScanParams(case.dpi, case.skew, 0.86, 0.95, 0.10, 0.7, 3.0, 5, 70, 2 if case.dpi >= 200 else 1,
                         ms.SEED + 100 + case.seed)


def render_case(case: Case, font: str) -> tuple[np.ndarray, dict[str, Any]]:
    """The captured page (uint8 grey H×W or RGB H×W×3) and its truth document."""
    fig = ms.make_figures(ms.SEED + case.seed)
    p = scan_params(case)
    style = ms.page_style(p, font)
    if case.kind == "unruled":
        spec = unruled_final_table(fig)
        style = replace(style, row_mm=6.5)
        page = ms.simulate_scan(table_page(spec, style, header_rows(spec)), p)
    elif case.kind == "colsless":
        spec = colsless_table(fig)
        page = ms.simulate_scan(table_page(spec, style, None, cols_ruled=False), p)
    elif case.kind == "ragged":
        spec = ragged_table(fig, seed=case.seed)
        style = replace(style, row_mm=6.5)
        page = ms.simulate_scan(table_page(spec, style, None), p)
    elif case.kind == "open":
        spec = replace(unruled_final_table(fig, n_rows=14), continued=True)
        page = ms.simulate_scan(table_page(spec, style, None, open_sides=case.open_sides), p)
    elif case.kind == "faint":
        spec = unruled_final_table(fig, n_rows=14)
        page = faint_ruled_page(spec, style, case.dash_mm, case.ruling_ink)
        img = Image.fromarray(np.clip(np.rint(page * 255.0), 0, 255).astype(np.uint8), "L")
        page = uneven_light(ms.simulate_scan(img, p), case.light_depth, case.seed)
    elif case.kind == "sealed":
        spec = unruled_final_table(fig, n_rows=12)
        clean = np.asarray(table_page(spec, style, None).convert("RGB"), np.float32) / 255.0
        size = ms.px(40, case.dpi)
        rng = np.random.default_rng(case.seed)
        tint = SEAL_RED if case.seal == "red" else SEAL_BLUE
        cx = clean.shape[1] // 2 + int(rng.integers(-ms.px(20, case.dpi), ms.px(20, case.dpi)))
        cy = clean.shape[0] // 3 + int(rng.integers(0, ms.px(40, case.dpi)))
        page = colour_scan(stamp(clean, seal_mask(size, font, case.seed), cx, cy, tint), p)
    else:
        spec = unruled_final_table(fig, n_rows=12)
        scanned = ms.simulate_scan(table_page(spec, style, None), replace(p, skew_deg_ccw=0.0))
        page, _ = photograph(scanned, case.quarter_turns, case.tilt, case.seed, case.background, case.paper_gain)
    truth = {"document": case.name, "tables": [ms.table_truth(spec)]}
    return page, truth


def write_case(out: Path, case: Case, font: str) -> Path:
    """Write ``out/<case>/page.(png|jpg)`` and ``truth.json``; returns the page's path."""
    page, truth = render_case(case, font)
    suffix = ".jpg" if case.kind == "photo" else ".png"
    path = out / case.name / f"page{suffix}"
    img = Image.fromarray(page, "L" if page.ndim == 2 else "RGB")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".jpg":
        img.save(path, "JPEG", quality=85)
    else:
        img.save(path, "PNG", dpi=(case.dpi, case.dpi))
    ms.write(out / case.name / "truth.json", ms.dumps_truth(truth))
    return path


def generate(out: Path, font: str, cases: Sequence[Case] = CASES) -> list[Path]:
    paths = [write_case(out, c, font) for c in cases]
    manifest = {"version": 1, "documents": [
        {"id": c.name, "title": c.name, "kind": c.kind, "origin": "capture_samples.py",
         "scan": p.name, "pages": 1, "truth": "truth.json"} for c, p in zip(cases, paths, strict=True)]}
    ms.write(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--case", action="append", help="only these cases (names)")
    a = ap.parse_args(argv)
    font = ms.find_cjk_font()
    if font is None:
        ap.error(f"no CJK font found: apt-get install fonts-wqy-zenhei, or set {ms.FONT_ENV}")
    cases = [c for c in CASES if not a.case or c.name in a.case]
    for path in generate(a.out, str(font), cases):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
