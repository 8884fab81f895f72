"""Queue reasons in words for every family of check rule, typed and template-free (issue 12 item 3)."""

from __future__ import annotations

import re
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


@pytest.mark.parametrize(("rule", "words"), [
    ("block:年度资金总额=budget_initial", "年度资金总额 should be the sum of the rows below it in its block"),
    ("scores:得分≤分值", "score (得分) should not exceed the weight (分值): weight 171.07, score 41.87"),
    ("scores:总分=Σ得分", "The total score (总分) should be the sum of the item scores"),
    ("hierarchy:合计=total", "合计 should be the sum of the 类 rows"),
    ("items:本年支出合计=v1", "本年支出合计 should be the sum of its items"),
    ("totals:Σ合计=Σ类", "The 合计 rows together should equal the 类 rows"),
    ("rate:执行率=执行数/预算数", "The rate should be the executed amount divided by the budget"),
    ("same-class:final.summary.expenditure_amount=final.expenditure.total", "should equal"),
])
def test_the_other_rule_families_read_as_sentences(rule: str, words: str) -> None:
    text = check_sentence(check(rule), RECORDS, DOC)
    assert words in text and not text.startswith(rule)


def emitted_flags() -> dict[str, str]:
    """Every cell flag the pipeline's own modules set: string constants in ``flags.append/extend(…)``, in a value
    assigned to ``flags`` or a ``…FLAG…`` constant, or passed as ``flags=``."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    shape = re.compile(r"^[a-z]+(?:[-:][a-z]+)*$")
    found: dict[str, str] = {}
    for path in [*(root / "pipeline").rglob("*.py"), *(root / "plugins").rglob("*.py")]:
        if "review" in path.parts:
            continue  # the review's own flags (merged, split, reread, needs-typing) are tested with it
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.AST] = []
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                    "append", "extend") and isinstance(node.func.value, ast.Name) and node.func.value.id == "flags":
                values += node.args
            if isinstance(node, ast.Call):
                values += [k.value for k in node.keywords if k.arg == "flags"]
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and (t.id == "flags" or "FLAG" in t.id)
                                                    for t in node.targets):
                values.append(node.value)
            for v in values:
                keys = {id(a) for n in ast.walk(v) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                        and n.func.attr == "get" for a in n.args[:1]}  # c.get("flags", ()) reads, not sets
                for const in ast.walk(v):
                    if isinstance(const, ast.Constant) and isinstance(const.value, str) and id(const) not in keys \
                            and shape.match(const.value):
                        found.setdefault(const.value, path.relative_to(root).as_posix())
    return found


def test_every_flag_the_pipeline_sets_is_explained() -> None:
    from pipeline.review.reasons import FLAG_TEXT, explain_flags

    flags = emitted_flags()
    assert {"misread-normalised", "check:fail", "text-layer-missing", "col-boundary-ambiguous",
            "detector-budget", "vocabulary-near-miss"} <= set(flags)  # the scan finds each way a flag is set
    missing = {f: where for f, where in flags.items() if f not in FLAG_TEXT}
    assert not missing, missing
    assert explain_flags(["misread-normalised", "check:pass"]) == [FLAG_TEXT["misread-normalised"]]
    assert explain_flags(["a-plugins-own-flag"]) == ["flagged “a-plugins-own-flag” by the pipeline"]
