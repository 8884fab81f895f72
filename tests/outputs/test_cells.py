"""Which cells the workbook and report treat as codes (text) and which as amounts (numbers)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pipeline.outputs.cells import amount_of, table_columns


def _table(tid: str, rows: list[list[str]], columns: dict[str, str] | None = None, continued: bool = False
           ) -> dict[str, Any]:
    cells = [{"row": r, "col": c, "rowspan": 1, "colspan": 1, "text": t} for r, row in enumerate(rows)
             for c, t in enumerate(row)]
    return {"id": tid, "n_cols": len(rows[0]), "continued": continued, "cells": cells,
            **({"columns": columns} if columns else {})}


def test_amounts_and_codes() -> None:
    a = amount_of("1,046.09")
    assert a is not None and (a.value, a.decimals, a.grouped, a.percent) == (Decimal("1046.09"), 2, True, False)
    p = amount_of("95.5%")
    assert p is not None and p.percent and p.value == Decimal("95.5")
    assert amount_of("(3.00)").value == Decimal("-3.00")  # type: ignore[union-attr]
    assert amount_of("12") is not None  # a count
    for text, key in (("06", ""), ("201", "code_lei"), ("-", ""), ("行政运行", ""), ("1234567890123456", "")):
        assert amount_of(text, key) is None, text


def test_continuation_takes_its_heads_columns_and_code_columns_are_found() -> None:
    head = _table("p001-t1", [["类", "款", "名称", "金额"], ["201", "06", "财政事务", "1.00"]],
                  {"0": "code_lei", "1": "code_kuan", "2": "name", "3": "total"})
    cont = _table("p002-t1", [["201", "07", "纪检监察", "2.00"]], continued=True)
    generic = _table("p003-t1", [["类", "款", "名称", "数量"], ["303", "05", "生活补助", "120"],
                                 ["303", "10", "补贴", "7"]])
    cols = table_columns({"tables": [head, cont, generic]})
    assert cols["p002-t1"] == cols["p001-t1"]
    assert cols["p003-t1"] == {0: "code", 1: "code"}  # the 款 column (leading zeros) and the 类 beside it
    assert amount_of("303", cols["p003-t1"][0]) is None and amount_of("120", cols["p003-t1"].get(3, "")) is not None
