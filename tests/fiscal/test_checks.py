"""Arithmetic checks and their fusion into confidence."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.document.checks.engine import Term, evaluate, rounding_tolerance
from pipeline.document.fusion import SUSPECT_CAP, evidence, format_like
from pipeline.document.notes import CellRef
from tests.fiscal.tables import EXPENDITURE_ROWS, SUMMARY_ROWS, misread, run, table_of


def term(v: str, ref=("t", 0, 0), sign=1):
    d = len(v.split(".")[1]) if "." in v else 0
    return Term(ref=ref, sign=sign, value=Decimal(v), text=v, decimals=d, confidence=0.9)


def test_evaluate_pass_rounding_fail_and_le():
    assert evaluate("r", "", term("3.00"), [term("1.00"), term("2.00")]).status == "pass"
    assert evaluate("r", "", term("3.01"), [term("1.00"), term("2.00")]).status == "rounding"
    assert evaluate("r", "", term("3.10"), [term("1.00"), term("2.00")]).status == "fail"
    assert evaluate("r", "", term("5"), [term("4")], relation="le").status == "pass"
    assert evaluate("r", "", term("5"), [term("6")], relation="le").status == "fail"
    assert evaluate("r", "", term("0"), [term("0")]) is None  # nothing to check
    assert evaluate("r", "", None, [term("1")]) is None  # a non-numeric term


def test_rounding_tolerance_grows_with_terms_but_is_capped():
    two = [term("1.00")] * 3
    many = [term("1.00")] * 40
    assert rounding_tolerance(two) == Decimal("0.01")
    assert rounding_tolerance(many) == Decimal("0.03")
    assert rounding_tolerance([term("100")] * 3) == Decimal("1")


def test_truth_perfect_tables_pass_every_check(pm):
    a = run(pm, [table_of(SUMMARY_ROWS, title="收入支出决算总表", id="p001-t1"),
                 table_of(EXPENDITURE_ROWS, title="支出决算表", id="p002-t1", page=2)])
    assert a.checks and all(c.status == "pass" for c in a.checks)
    rules = {c.rule.split(":")[0] for c in a.checks}
    assert rules == {"items", "hierarchy", "row", "same", "same-class"}
    statuses = {c.rule: c.status for c in a.checks}
    assert statuses["items:收入总计=支出总计"] == "pass"
    assert statuses["items:总计=income_amount"] == "pass"  # 总计 = 本年合计 + 年初结转和结余


def test_one_misread_digit_fails_its_checks_and_only_that_cell_is_suspect(pm):
    rows = misread(EXPENDITURE_ROWS, 6, 5, "516.09")  # 行政运行 基本支出 546.09 read as 516.09
    conf = {(r, c): 0.95 for r in range(len(rows)) for c in range(7)} | {(6, 5): 0.6}
    a = run(pm, [table_of(rows, title="支出决算表", confidence=conf)])
    fails = [c for c in a.checks if c.status == "fail"]
    assert {c.rule for c in fails} == {"row:total", "hierarchy:款=basic"}
    cells = {(c.row, c.col): c for c in a.tables[0].cells}
    bad = cells[(6, 5)]
    assert bad.confidence <= SUSPECT_CAP and "check:fail" in bad.flags and bad.ocr_confidence == 0.6
    assert bad.text == "516.09" and bad.suggestion == "546.09"  # proposed, never applied
    # its neighbours are confirmed by other checks: near-certain, not flagged
    review = [k for k, c in cells.items() if c.confidence < 0.9 and c.text]
    assert review == [(6, 5)]
    # in a failing check but confirmed by another: left as read; in passing checks only: near-certain
    assert cells[(6, 4)].confidence == 0.95 and cells[(5, 5)].confidence == 0.95
    assert cells[(4, 4)].confidence > 0.99 and "check:pass" in cells[(4, 4)].flags


def test_no_suggestion_for_a_confident_reading_or_a_misplaced_grid(pm):
    rows = misread(EXPENDITURE_ROWS, 6, 5, "516.09")
    confident = run(pm, [table_of(rows, title="支出决算表", confidence=0.99)])
    bad = next(c for c in confident.tables[0].cells if (c.row, c.col) == (6, 5))
    assert bad.confidence <= SUSPECT_CAP and bad.suggestion is None  # flagged, but no value proposed
    # a column split the header does not have: two values under 项目支出 in one row
    split = [[*r, "^" if i < 3 else ""] for i, r in enumerate(rows)]
    split[0][6:8] = ["项目支出", "<"]
    split[7][6:8] = ["300", ".00"]
    low = {(r, c): 0.5 for r in range(len(split)) for c in range(8)}
    a = run(pm, [table_of(split, title="支出决算表", confidence=low)])
    cells = {(c.row, c.col): c for c in a.tables[0].cells}
    assert "structure" in cells[(7, 6)].flags and "structure" in cells[(7, 7)].flags
    assert not any(c.suggestion for c in cells.values())


def test_missed_value_in_an_empty_cell_is_found(pm):
    rows = misread(EXPENDITURE_ROWS, 7, 6, "")  # 一般行政管理事务 项目支出 300.00 not read
    a = run(pm, [table_of(rows, title="支出决算表", confidence=0.99)])
    cells = {(c.row, c.col): c for c in a.tables[0].cells}
    assert cells[(7, 6)].text == "" and cells[(7, 6)].confidence <= SUSPECT_CAP
    assert cells[(7, 6)].suggestion == "300.00"


def test_a_speck_read_as_a_digit_in_an_empty_cell_is_the_only_suspect():
    """A sum that fails only by filled, unconfirmed parts and balances exactly without them: those readings (a
    speck read as "9" where nothing is printed) are the suspects; the empty total and the empty parts of the same
    sum are not.  A sum those parts do not explain counts against every term."""
    def at(row, col, v=""):
        t = term(v or "0", ref=CellRef("t", row, col))
        return t if v else replace(t, text="")

    specked = evaluate("row:total", "t", at(0, 0), [at(0, 1), at(0, 2, "9"), at(0, 3)])
    assert specked.status == "fail"
    ev = evidence([specked])
    assert set(ev) == {CellRef("t", 0, 2)} and ev[CellRef("t", 0, 2)].failed == 1
    # 932.11 = 932.11 (confirmed elsewhere) + "9" + "5": both loose readings, nothing else
    col = evaluate("items", "t", at(9, 7, "932.11"), [at(1, 7, "932.11"), at(2, 7, "9"), at(3, 7, "5"), at(4, 7)])
    other = evaluate("row", "t", at(1, 5, "932.11"), [at(1, 7, "932.11")])
    ev = evidence([col, other])
    assert {r for r, e in ev.items() if e.failed} == {CellRef("t", 2, 7), CellRef("t", 3, 7)}
    # a value the reading missed: 300 = "" + "9" is not explained by the "9", every term stays suspect
    missed = evaluate("row:total", "t", at(0, 0, "300"), [at(0, 1), at(0, 2, "9")])
    assert {r for r, e in evidence([missed]).items() if e.failed} == {CellRef("t", 0, c) for c in range(3)}


def test_printed_error_is_reported_not_fixed(pm):
    rows = misread(SUMMARY_ROWS, 6, 1, "1,056.19")  # the document itself prints a wrong 总计
    a = run(pm, [table_of(rows, title="收入支出决算总表")])
    fail = [c for c in a.checks if c.status == "fail"]
    assert fail and all(c.expected == Decimal("1056.19") for c in fail if c.total.text == "1,056.19")
    assert next(c for c in a.tables[0].cells if (c.row, c.col) == (6, 1)).text == "1,056.19"


def test_rounding_is_not_a_failure_and_raises_confidence_less(pm):
    rows = misread(EXPENDITURE_ROWS, 5, 4, "846.10")  # 款 printed as the rounded sum of its parts
    rows = misread(rows, 4, 4, "846.10")
    rows = misread(rows, 3, 4, "1,046.10")
    a = run(pm, [table_of(rows, title="支出决算表", confidence=0.8)])
    statuses = {c.status for c in a.checks}
    assert "fail" not in statuses and "rounding" in statuses


def test_three_public_measures_and_scores(pm):
    rows = [
        ["财政拨款“三公”经费", "<", "<", "<", "<", "<", "<", "<"],
        ["合计", "<", "因公出国（境）费", "<", "公务用车购置及运行费", "<", "公务接待费", "<"],
        ["预算数", "决算数", "预算数", "决算数", "预算数", "决算数", "预算数", "决算数"],
        ["3.00", "2.50", "1.00", "1.00", "", "", "2.00", "1.50"],
    ]
    a = run(pm, [table_of(rows, title="财政拨款“三公”经费支出决算表")])
    assert {c.rule for c in a.checks} == {"row:total.budget", "row:total.final"}
    assert all(c.status == "pass" for c in a.checks)
    perf = [
        ["项目名称", "某某项目", "<", "<", "<", "<"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "分值", "得分"],
        ["产出指标", "数量指标", "完成数", "≥10个", "50", "45"],
        ["^", "质量指标", "合格率", "100%", "30", "30"],
        ["效益指标", "社会效益", "满意度", "≥90%", "20", "25"],
        ["总分", "<", "<", "<", "100", "100"],
    ]
    b = run(pm, [table_of(perf, title="项目支出绩效自评表")])
    assert b.tables[0].type == "final.performance_self_eval"
    statuses = sorted((c.rule, c.status) for c in b.checks)
    assert ("scores:得分≤分值", "fail") in statuses  # 25 > 20
    assert ("scores:总分=Σ得分", "pass") in statuses


def test_three_public_measure_printed_over_its_group(pm):
    """The Ministry of Finance prints 预算数 and 决算数 once over each group of items (not under every item): the
    measure still becomes the key's suffix, so both halves are keyed apart and each has its row check."""
    rows = [
        ["预算数", "<", "<", "<", "<", "<", "决算数", "<", "<", "<", "<", "<"],
        ["合计", "因公出国（境）费", "公务用车购置及运行维护费", "<", "<", "公务接待费",
         "合计", "因公出国（境）费", "公务用车购置及运行维护费", "<", "<", "公务接待费"],
        ["^", "^", "小计", "公务用车购置费", "公务用车运行维护费", "^",
         "^", "^", "小计", "公务用车购置费", "公务用车运行维护费", "^"],
        ["6.00", "1.00", "3.00", "2.00", "1.00", "2.00", "5.50", "1.00", "2.50", "1.50", "1.00", "2.00"],
    ]
    a = run(pm, [table_of(rows, title="财政拨款“三公”经费支出决算表")])
    cols = dict(a.tables[0].notes.columns or ())
    assert cols[0] == "total.budget" and cols[6] == "total.final" and cols[7] == "outbound.final"
    assert len(set(cols.values())) == len(cols)
    assert {"row:total.budget", "row:total.final"} <= {c.rule for c in a.checks if c.status == "pass"}


def test_two_printed_columns_keyed_alike_are_not_a_split_grid(pm):
    """年初指标值 and 调整后指标值 both key as target values: two printed columns with labels of their own, not one
    column the grid split, so their cells carry no ``structure`` doubt (a split column's pieces share a label:
    see test_no_suggestion_for_a_confident_reading_or_a_misplaced_grid)."""
    perf = [
        ["项目名称", "某某项目", "<", "<", "<", "<", "<", "<"],
        ["一级指标", "二级指标", "三级指标", "年初指标值", "调整后指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "完成数", "≥10个", "≥12个", "12个", "50", "45"],
        ["^", "质量指标", "合格率", "100%", "100%", "100%", "30", "30"],
        ["效益指标", "社会效益", "满意度", "≥90%", "≥90%", "93%", "20", "20"],
        ["总分", "<", "<", "<", "<", "<", "100", "95"],
    ]
    a = run(pm, [table_of(perf, title="项目支出绩效自评表", confidence=0.99)])
    assert a.tables[0].type == "final.performance_self_eval"
    cells = {(c.row, c.col): c for c in a.tables[0].cells}
    assert not any("structure" in c.flags for c in cells.values())
    assert all(cells[(r, c)].confidence >= 0.9 for r in (2, 3, 4) for c in (3, 4))


def test_format_like_printed_numbers():
    assert format_like(Decimal("1046.1"), ["1,046.09"]) == "1,046.10"
    assert format_like(Decimal("705443"), ["705443"]) == "705443"


def test_performance_self_evaluation_funds_block_and_scores(pm):
    rows = [
        ["项目名称", "某某信息化运维项目", "<", "<", "<", "<", "<"],
        ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", "100.00", "120.00", "114.00", "10", "95.0%", "9.5"],
        ["其中：财政拨款", "100.00", "110.00", "104.00", "——", "94.6%", "——"],
        ["其他资金", "", "10.00", "10.00", "——", "100.0%", "——"],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标", "数量指标", "运维系统数", "≥10个", "12个", "50", "50"],
        ["效益指标", "满意度指标", "用户满意度", "≥90%", "92%", "40", "38"],
        ["总分", "<", "<", "<", "<", "100", "97.5"],
    ]
    a = run(pm, [table_of(rows, title="2024年度项目支出绩效自评表")])
    assert a.tables[0].type == "final.performance_self_eval"
    by = {(r.subject_name, r.column): r for r in a.records}
    assert by[("年度资金总额", "executed")].value == Decimal("114.00")
    assert by[("年度资金总额", "execution_rate")].value == Decimal("95.0")
    assert by[("其中:财政拨款", "weight")].status == "na"
    assert by[("用户满意度", "actual_value")].value == Decimal("92")  # a percentage is a number
    assert by[("运维系统数", "actual_value")].status == "text"  # "12个": with its unit word, kept as text
    statuses = {(c.rule, c.status) for c in a.checks}
    assert ("rate:执行率=执行数/预算数", "pass") in statuses  # 114 / 120 = 95.0%
    assert ("rate:执行率=执行数/预算数", "rounding") in statuses  # 104 / 110 = 94.5% printed 94.6%
    assert ("block:年度资金总额=budget_full_year", "pass") in statuses
    assert ("block:年度资金总额=executed", "pass") in statuses
    assert ("scores:总分=Σ得分", "pass") in statuses  # 9.5 + 50 + 38 = 97.5
    assert all(s != "fail" for _r, s in statuses)


# The Ministry of Finance's own layout of the 财政拨款收入支出决算总表: 年初财政拨款结转和结余 broken down by fund
# with un-numbered fund names (other layouts number them 一、二、…); both must pass on correct figures.
FISCAL_SUMMARY_MOF = [
    ["收入", "<", "支出", "<", "<", "<"],
    ["项目", "金额", "项目", "合计", "一般公共预算财政拨款", "政府性基金预算财政拨款"],
    ["一、一般公共预算财政拨款", "900.00", "一、一般公共服务支出", "700.00", "700.00", ""],
    ["二、政府性基金预算财政拨款", "100.00", "二、城乡社区支出", "100.00", "", "100.00"],
    ["本年收入合计", "1,000.00", "本年支出合计", "800.00", "700.00", "100.00"],
    ["年初财政拨款结转和结余", "50.00", "年末财政拨款结转和结余", "250.00", "230.00", "20.00"],
    ["一般公共预算财政拨款", "30.00", "", "", "", ""],
    ["政府性基金预算财政拨款", "20.00", "", "", "", ""],
    ["总计", "1,050.00", "总计", "1,050.00", "930.00", "120.00"],
]


def test_fiscal_summary_carryover_broken_down_by_fund_numbered_or_not(pm):
    numbered = misread(FISCAL_SUMMARY_MOF, 6, 0, "一、一般公共预算财政拨款")
    numbered = misread(numbered, 7, 0, "二、政府性基金预算财政拨款")
    for rows in (FISCAL_SUMMARY_MOF, numbered):
        a = run(pm, [table_of(rows, title="财政拨款收入支出决算总表")], fusion=False)
        assert a.tables[0].type == "final.fiscal_summary"
        statuses = {c.rule: c.status for c in a.checks}
        assert statuses["items:总计=income_amount"] == "pass"  # 1,000 + 50, the fund rows are its parts
        assert statuses["items:年初财政拨款结转和结余=income_amount"] == "pass"  # 50 = 30 + 20
        assert [c.rule for c in a.checks if c.status != "pass"] == []
    # the fund names are the breakdown even when the item above them was misread
    jumbled = misread(FISCAL_SUMMARY_MOF, 2, 0, "拨款一般公共预算财政")
    statuses = {c.rule: c.status for c in run(pm, [table_of(jumbled, title="财政拨款收入支出决算总表")]).checks}
    assert statuses["items:总计=income_amount"] == "pass" and "items:一般公共预算财政拨款=income_amount" not in statuses
    # a wrong fund amount fails the breakdown, not the grand total
    a = run(pm, [table_of(misread(FISCAL_SUMMARY_MOF, 6, 1, "80.00"), title="财政拨款收入支出决算总表")], fusion=False)
    statuses = {c.rule: c.status for c in a.checks}
    assert statuses["items:年初财政拨款结转和结余=income_amount"] == "fail"
    assert statuses["items:总计=income_amount"] == "pass"


def test_row_and_column_number_columns_of_a_typed_summary_are_no_amounts(pm):
    """The 行次 columns (1, 2, 3 … beside each half's labels) and the 栏次 row (1, 2, 3 under the column labels) of
    a 财政拨款收入支出决算总表: no record, no check term, nothing flagged."""
    rows = [["收入", "<", "<", "支出", "<", "<", "<", "<"],
            ["项目", "行次", "金额", "项目", "行次", *FISCAL_SUMMARY_MOF[1][3:]],
            ["栏次", "", "1", "栏次", "", "2", "3", "4"]]
    rows += [[r[0], str(i), r[1], r[2], str(i + 10), *r[3:]] for i, r in enumerate(FISCAL_SUMMARY_MOF[2:], 1)]
    a = run(pm, [table_of(rows, title="财政拨款收入支出决算总表", confidence=0.95)])
    assert a.tables[0].type == "final.fiscal_summary"
    assert a.checks and all(c.status == "pass" for c in a.checks)
    assert {r.col for r in a.records} == {2, 5, 6, 7} and all(r.row >= 3 for r in a.records)
    assert not any(t.ref is not None and t.ref[2] in (1, 4) for c in a.checks for t in c.terms)
    assert not any(c.confidence < 0.9 for c in a.tables[0].cells)


def test_an_item_whose_ordinal_was_misread_still_counts_in_its_total(pm):
    """一、 misread (or dropped) turns a numbered item into an un-numbered row: 本年合计 = Σ items then fails on
    correct figures; the check that adds the un-numbered rows above the total passes exactly and no cell is
    flagged.  A wrong figure still fails."""
    jumbled = misread(FISCAL_SUMMARY_MOF, 2, 0, "拨款一般公共预算财政")  # the income item 一、 lost
    jumbled = misread(jumbled, 3, 2, "二城乡社区支出")  # the expenditure item's 、 dropped
    a = run(pm, [table_of(jumbled, title="财政拨款收入支出决算总表", confidence=0.95)])
    statuses = {c.rule: c.status for c in a.checks}
    assert statuses["items:本年收入合计=income_amount"] == "pass"
    assert statuses["items:本年支出合计=expenditure_total"] == "pass"
    assert [c.rule for c in a.checks if c.status == "fail"] == []
    assert not any("check:fail" in c.flags for c in a.tables[0].cells)
    wrong = misread(jumbled, 2, 1, "960.00")  # and a misread figure in the un-numbered row
    a = run(pm, [table_of(wrong, title="财政拨款收入支出决算总表", confidence=0.95)], fusion=False)
    assert {c.rule: c.status for c in a.checks}["items:本年收入合计=income_amount"] == "fail"


CORPUS = Path("/work/shared/corpus")


@pytest.mark.skipif(not (CORPUS / "manifest.json").is_file(), reason="shared corpus not available")
def test_typed_checks_never_fail_on_truth_cells_of_any_corpus_document(pm):
    """Truth-perfect input of every corpus document (two layout families), typed as the pipeline types it:
    every typed, template-free and cross-table check passes or rounds."""
    import json

    from pipeline.evaluate.records import _truth_table

    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    n = 0
    for d in manifest["documents"]:
        truth = json.loads((CORPUS / d["id"] / d.get("truth", "truth.json")).read_text(encoding="utf-8"))
        a = run(pm, [_truth_table(t) for t in truth["tables"]], fusion=False)
        assert [c.rule for c in a.checks if c.status == "fail"] == [], d["id"]
        n += len(a.checks)
    assert n > 1000


def test_a_dash_read_from_noise_is_not_raised_by_a_passing_check(pm):
    """A speck read as "-" in an empty cell passes every check (a dash counts as the empty cell's 0): the
    check cannot confirm that the mark is printed, so the reading keeps its own confidence and its record is not
    confident; a well-read dash and a digit confirmed by the same checks are unaffected."""
    rows = misread(EXPENDITURE_ROWS, 7, 5, "-")  # 一般行政管理事务 基本支出: empty, a speck read as "-"
    conf = {(r, c): 0.99 for r in range(len(rows)) for c in range(7)} | {(7, 5): 0.05, (8, 6): 0.6}
    a = run(pm, [table_of(rows, title="支出决算表", confidence=conf)])
    cells = {(c.row, c.col): c for c in a.tables[0].cells}
    assert "check:pass" in cells[(7, 5)].flags and cells[(7, 5)].confidence == 0.05
    assert cells[(8, 6)].confidence == 0.6  # "——" read with 0.6: not raised either
    assert cells[(7, 4)].confidence > 0.99  # the amounts beside it are confirmed as before
    dash = next(r for r in a.records if (r.row, r.col) == (7, 5))
    assert dash.status == "na" and dash.confidence < 0.9


def test_general_budget_expenditure_subtotal_under_this_year_is_its_total(pm):
    """The Ministry of Finance prints 本年支出 / 小计 | 基本支出 | 项目支出 where other layouts print 合计: either
    is the table's total, so its row identity and the identity with the 财政拨款总表 run on both layouts."""
    rows = [
        ["项目", "<", "本年支出", "<", "<"],
        ["科目代码", "科目名称", "小计", "基本支出", "项目支出"],
        ["合计", "<", "900.00", "600.00", "300.00"],
        ["201", "一般公共服务支出", "900.00", "600.00", "300.00"],
        ["20106", "财政事务", "900.00", "600.00", "300.00"],
    ]
    a = run(pm, [table_of(rows, title="一般公共预算财政拨款支出决算表")], fusion=False)
    assert a.tables[0].type == "final.general_budget_expenditure"
    assert dict(a.tables[0].notes.columns or ())[2] == "total"
    assert {c.rule for c in a.checks if c.status == "pass"} >= {"row:total", "hierarchy:合计=total"}


def test_a_misread_code_under_a_parent_skips_that_parents_hierarchy_check(pm):
    """21301 read 2301: its row is no child of 213 under any code, so 类 = Σ 款 would fail and blame the 类's right
    values; the check is not run (pipeline/document/checks/rules.py broken_block), the other checks still are."""
    rows = [list(r) for r in EXPENDITURE_ROWS[:4]] + [
        ["201", "", "", "一般公共服务支出", "846.09", "546.09", "300.00"],
        ["201", "06", "", "财政事务", "546.09", "546.09", ""],
        ["201", "06", "01", "行政运行", "546.09", "546.09", ""],
        ["201", "03", "", "政府办公厅（室）及相关机构事务", "300.00", "", "300.00"],
        ["201", "03", "02", "一般行政管理事务", "300.00", "", "300.00"],
        ["208", "", "", "社会保障和就业支出", "200.00", "200.00", "——"],
        ["208", "05", "", "行政事业单位养老支出", "200.00", "200.00", "——"],
        ["208", "05", "05", "机关事业单位基本养老保险缴费支出", "200.00", "200.00", "——"]]
    whole = run(pm, [table_of(rows, title="支出决算表")])
    assert any(c.rule.startswith("hierarchy:类") and c.status == "pass" for c in whole.checks)
    a = run(pm, [table_of(misread(rows, 5, 0, "20"), title="支出决算表")])  # 201 06 read as 20 06: code 2006
    hierarchy = [c for c in a.checks if c.rule.startswith("hierarchy:")]
    assert hierarchy and all(c.status == "pass" for c in hierarchy)  # 208's and 合计's still run
    cells = {(c.row, c.col): c for c in a.tables[0].cells}
    assert "check:fail" not in cells[(4, 5)].flags  # 一般公共服务支出 基本支出 546.09 is not blamed
