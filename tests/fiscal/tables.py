"""Compact builders for typed-table tests: a table is written as rows of strings, where "<" marks a position
covered by the cell to its left and "^" one covered by the cell above (spans)."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.config import PipelineConfig
from pipeline.document.analysis import Analysis, analyse
from pipeline.document.recognise import recognise
from pipeline.model import BBox, Cell, Table
from pipeline.plugin_manager import PluginManager

BOX = BBox(0, 0, 1, 1)


def table_of(rows: Sequence[Sequence[str]], title: str = "", id: str = "p001-t1", page: int = 1,
             continued: bool = False, confidence: float | dict[tuple[int, int], float] = 0.99) -> Table:
    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    grid = [list(r) + [""] * (n_cols - len(r)) for r in rows]
    cells = []
    for r in range(n_rows):
        for c in range(n_cols):
            if grid[r][c] in ("<", "^"):
                continue
            cs = 1
            while c + cs < n_cols and grid[r][c + cs] == "<":
                cs += 1
            rs = 1
            while r + rs < n_rows and grid[r + rs][c] == "^":
                rs += 1
            conf = confidence.get((r, c), 0.99) if isinstance(confidence, dict) else confidence
            cells.append(Cell(row=r, col=c, rowspan=rs, colspan=cs, text=grid[r][c], confidence=conf, bbox=BOX))
    return Table(id=id, page=page, bbox=BOX, n_rows=n_rows, n_cols=n_cols, cells=tuple(cells), title=title,
                 title_confidence=1.0, continued=continued)


def run(pm: PluginManager, tables: Sequence[Table], fusion: bool = True) -> Analysis:
    """The document-level stage as the pipeline runs it: recognise, then records, checks and fusion."""
    recs = pm.recognizers()
    return analyse("doc", recognise(list(tables), recs), recs, pm, PipelineConfig(), fusion=fusion)


def misread(rows: Sequence[Sequence[str]], r: int, c: int, text: str) -> list[list[str]]:
    """``rows`` with the cell at (r, c) read as ``text``."""
    out = [list(row) for row in rows]
    out[r][c] = text
    return out


# 支出决算表 with split 类/款/项 codes, 万元 amounts; the arithmetic holds (rows and hierarchy).
EXPENDITURE_ROWS = [
    ["项目", "<", "<", "<", "本年支出合计", "基本支出", "项目支出"],
    ["支出功能分类科目编码", "<", "<", "科目名称", "^", "^", "^"],
    ["类", "款", "项", "^", "^", "^", "^"],
    ["合计", "<", "<", "<", "1,046.09", "746.09", "300.00"],
    ["201", "", "", "一般公共服务支出", "846.09", "546.09", "300.00"],
    ["201", "06", "", "财政事务", "846.09", "546.09", "300.00"],
    ["201", "06", "01", "行政运行", "546.09", "546.09", ""],
    ["201", "06", "02", "一般行政管理事务", "300.00", "", "300.00"],
    ["208", "", "", "社会保障和就业支出", "200.00", "200.00", "——"],
    ["208", "05", "", "行政事业单位养老支出", "200.00", "200.00", "——"],
    ["208", "05", "05", "机关事业单位基本养老保险缴费支出", "200.00", "200.00", "——"],
]

# 收入支出决算总表 (two halves), consistent with EXPENDITURE_ROWS.
SUMMARY_ROWS = [
    ["收入", "<", "支出", "<"],
    ["项目", "决算数", "项目", "决算数"],
    ["一、一般公共预算财政拨款收入", "1,000.00", "一、一般公共服务支出", "846.09"],
    ["二、事业收入", "46.09", "二、社会保障和就业支出", "200.00"],
    ["本年收入合计", "1,046.09", "本年支出合计", "1,046.09"],
    ["年初结转和结余", "10.00", "年末结转和结余", "10.00"],
    ["总计", "1,056.09", "总计", "1,056.09"],
]
