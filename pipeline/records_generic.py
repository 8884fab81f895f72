"""Records for tables whose type is not known (``generic``): nobody loses the numbers of a table because its title
or header was unusual.

The table's own content decides each column's role, on its data rows (below the header block):

* **value** columns — most filled cells are amounts or numbers ("1,234.50", "12", "95%", "-");
* **code** columns — most filled cells are 政府收支分类 codes (2–9 digits, no separators) and the column stands
  left of the first value column; a column labelled 类 / 款 / 项 is that part of a split code;
* **label** columns — everything else left of a value column (the row's stub: 项目, 科目名称, 一级指标 / 二级指标 …).

One record per (data row, value column) with a printed value.  Row key: the subject code and its level when the
row has one, else the row's **label path** (its label cells left to right, a cell spanning several rows counts for
each, " / "-joined); column: the printed column label path (``label``); ``column`` stays empty (no canonical
key).  Side-by-side halves (label | value | label | value) are column groups as in typed tables.  Continuations
join their head as in typed tables; a fragment without its own header takes the head's column labels.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import pairwise

from pipeline.document.headers import header_row_count
from pipeline.document.numbers import _CODE, decimals_of, parse_value
from pipeline.document.records import LEVEL_BY_LENGTH, Row, ValueCell, clean_name, column_groups, odd_code
from pipeline.model import Cell, Table

_SPLIT = {"类": "code_lei", "款": "code_kuan", "项": "code_xiang"}
_TOTAL = re.compile(r"(合计|总计|小计|总分)")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "")


def column_labels(table: Table, header_rows: int) -> dict[int, str]:
    from pipeline.tabletypes import column_paths

    return {c: " / ".join(p) for c, p in column_paths(table, range(header_rows)).items() if p}


_SERIAL_LABELS = ("序号", "行次", "栏次", "编号")


def _is_serial(filled: Sequence[str], label: str) -> bool:
    """1, 2, 3, … or 29, 30, 31, … (a 序号 / 行次 column), or a column labelled so; never a code column."""
    if any(w in label for w in _SERIAL_LABELS):
        return True
    if any(w in label for w in ("编码", "代码", "类", "款", "项")):
        return False
    # no leading zero (款 "01", "02" are codes), below 100 (类 codes are three digits); a misread or two allowed
    ints = [int(t) for t in filled if t.isdigit() and len(t) <= 2 and not t.startswith("0")]
    if len(ints) < 0.8 * len(filled) or any("." in t for t in filled):
        return False
    steps = [b - a for a, b in pairwise(ints)]
    if not ints or any(d <= 0 for d in steps):
        return False
    if len(ints) < 3:
        return ints[0] <= 1 and all(d == 1 for d in steps)
    return 2 * sum(d == 1 for d in steps) >= len(steps)


def column_roles(table: Table, header_rows: int, labels: dict[int, str]) -> dict[int, str]:
    """Column → key: ``code`` / ``code_lei`` / ``code_kuan`` / ``code_xiang``, ``label<i>`` (identity, the row's
    stub) or ``col<i>`` (a value column).  Columns with no filled data cell and no label are left out."""
    cells = {(c.row, c.col): c for c in table.cells if c.colspan == 1}
    roles: dict[int, str] = {}
    for col in range(table.n_cols):
        texts = [_norm(cells[(r, col)].text) for r in range(header_rows, table.n_rows) if (r, col) in cells]
        filled = [t for t in texts if t]
        if not filled:
            if labels.get(col):
                roles[col] = f"col{col}"  # a labelled, empty column: a value column with nothing printed
            continue
        if _is_serial(filled, labels.get(col, "").split(" / ")[-1]):
            roles[col] = f"label{col}"  # 序号 1, 2, 3 …: the row's ordinal, not an amount
            continue
        codes = sum(bool(_CODE.match(t)) for t in filled)
        numbers = sum(parse_value(t)[0] != "text" for t in filled)
        bottom = labels.get(col, "").split(" / ")[-1].strip()
        if codes * 2 > len(filled) and (bottom in _SPLIT or all(len(t) >= 3 for t in filled if _CODE.match(t))
                                        or "编码" in labels.get(col, "") or "代码" in labels.get(col, "")):
            roles[col] = _SPLIT.get(bottom, "code")
        elif numbers * 2 > len(filled):
            roles[col] = f"col{col}"
        else:
            roles[col] = f"label{col}"
    # a code column right of a value column starts a new side-by-side group only when a label column follows
    # it (code | name | amount | code | name | amount); otherwise it is a value (a count, a year)
    first_value = min((c for c, k in roles.items() if k.startswith("col")), default=table.n_cols)
    for c, k in list(roles.items()):
        following = roles.get(c + 1, "")
        if k.startswith("code") and c > first_value and not (following.startswith(("label", "code"))):
            roles[c] = f"col{c}"
    # two or three adjacent code columns without 类/款/项 labels are the split 类 | 款 | 项 of one code
    for c in sorted(roles):
        if roles[c] == "code" and roles.get(c + 1) == "code" and roles.get(c - 1) != "code":
            run = [c + i for i in range(3) if roles.get(c + i) == "code"]
            for col, key in zip(run, ("code_lei", "code_kuan", "code_xiang"), strict=False):
                roles[col] = key
    return roles


def _code(texts: dict[str, str], previous: dict[str, str]) -> tuple[str, str]:
    from pipeline.document.records import _subject

    return _subject(texts, previous)


def generic_rows(table: Table, roles: dict[int, str], labels: dict[int, str], header_rows: int) -> list[Row]:
    cover = table.cover()
    groups = column_groups({c: ("name" if k.startswith("label") else k) for c, k in roles.items()})
    out: list[Row] = []
    previous: dict[int, dict[str, str]] = {}
    for r in range(header_rows, table.n_rows):
        for g in sorted(set(groups.values())):
            cols = [c for c in sorted(roles) if groups[c] == g]
            code_texts = {roles[c]: cover[(r, c)].text for c in cols
                          if roles[c].startswith("code") and (r, c) in cover}
            code, level = _code(code_texts, previous.get(g, {}))
            path: list[str] = []
            key_cells: list[Cell] = []
            depth = 0
            for c in cols:
                cell = cover.get((r, c))
                if cell is None:
                    continue
                if roles[c].startswith("code") and code:
                    key_cells.append(cell)
                words = roles[c].startswith("code") and not code and not _norm(cell.text).isdigit()
                if (roles[c].startswith("label") or words) and cell.text.strip() and cell not in key_cells:
                    key_cells.append(cell)
                    if not path:
                        depth = clean_name(cell.text)[1]
                    text = clean_name(cell.text)[0] if not path else cell.text.strip()
                    if not path or path[-1] != text:
                        path.append(text)
            values: dict[str, ValueCell] = {}
            for c in cols:
                cell = cover.get((r, c))
                if not roles[c].startswith("col") or cell is None or cell.row != r or cell.col != c \
                        or not cell.text.strip():
                    continue
                status, value = parse_value(cell.text)
                values[roles[c]] = ValueCell(part=table.id, row=r, col=c, key=roles[c], label=labels.get(c, ""),
                                             text=cell.text, status=status, value=value,
                                             decimals=decimals_of(cell.text), confidence=cell.confidence)
            if not values:
                continue
            if code:
                previous[g] = {k: v for k, v in code_texts.items()}
            name = " / ".join(path)
            level = level or LEVEL_BY_LENGTH.get(len(code), "")
            odd = tuple((table.id, k.row, k.col) for c in cols if roles[c].startswith("code") and odd_code(code)
                        for k in [cover[(r, c)]] if (r, c) in cover and k.text.strip())
            out.append(Row(part=table.id, page=table.page, row=r, group=g, code=code, level=level, name=name,
                           depth=depth, is_total=bool(_TOTAL.search(name)) and not code, values=values, suspects=odd,
                           key_cells=tuple((table.id, k.row, k.col) for k in key_cells),
                           key_confidence=min((k.confidence for k in key_cells), default=1.0)))
    return out


def untyped_parts(parts: Sequence[Table]) -> tuple[dict[int, str], dict[int, str], list[Row]]:
    """Column roles and labels of the head, and the rows of every part (a fragment without a header block of
    its own and with the head's number of columns takes the head's labels)."""
    from pipeline.document.records import fragment_columns

    head = parts[0]
    head_rows = header_row_count(head)
    head_labels = column_labels(head, head_rows)
    head_roles = column_roles(head, head_rows, head_labels)
    label_of = {k: head_labels.get(c, "") for c, k in head_roles.items()}
    rows: list[Row] = []
    for i, part in enumerate(parts):
        skip = head_rows if i == 0 else header_row_count(part)
        roles, labels = head_roles, head_labels
        if part.n_cols != head.n_cols:  # a fragment whose grid differs: columns by position in the head
            roles = {c: ("label0" if k == "name" else k)
                     for c, k in fragment_columns(head_roles, part, head).items()}
            labels = {c: label_of.get(k, "") for c, k in roles.items()}
        rows.extend(generic_rows(part, roles, labels, skip))
    return head_roles, head_labels, rows
