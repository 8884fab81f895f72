"""Queue reasons in words for every family of check rule, typed and template-free (issue 12 item 3)."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.review.reasons import check_sentence

DOC: dict[str, Any] = {"tables": [{"id": "p001-t1", "title": "支出决算表", "page": 1}]}
RECORDS = {
    ("p001-t1", 3, 4): {"subject_code": "201", "subject_name": "一般公共服务支出", "label": "合计"},
    ("p001-t1", 3, 5): {"subject_code": "201", "subject_name": "一般公共服务支出", "label": "基本支出"},
    ("p001-t1", 3, 6): {"subject_code": "201", "subject_name": "一般公共服务支出", "label": "项目支出"},
}


def check(rule: str) -> dict[str, Any]:
    return {"rule": rule, "expected": "171.07", "found": "41.87", "difference": "129.20", "status": "fail",
            "cells": [{"table": "p001-t1", "row": 3, "col": c} for c in (4, 5, 6)]}


@pytest.mark.parametrize(("rule", "words"), [
    ("hierarchy:类=total", "should be the sum of its 款 rows"),
    ("total:小计=v2", "The 小计 row should be the sum of the rows it totals"),
    ("identity:v4=v5+v6", "合计 equals 基本支出 + 项目支出 on nearly every other row"),
    ("row:expenditure", "should equal 基本支出 + 项目支出"),
])
def test_every_rule_family_reads_as_a_sentence(rule: str, words: str) -> None:
    text = check_sentence(check(rule), RECORDS, DOC)
    assert words in text
    assert not text.startswith(rule)  # never the raw rule id
    assert "printed 171.07" in text and "(difference 129.20)" in text
