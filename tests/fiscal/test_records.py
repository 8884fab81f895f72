"""Records: values as decimals, codes joined or split, continuations joined, units from captions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.config import PipelineConfig
from pipeline.document.headers import header_row_count
from pipeline.document.numbers import parse_value, unit_from_caption
from tests.fiscal.tables import EXPENDITURE_ROWS, run, table_of


@pytest.mark.parametrize(("text", "expected"), [
    ("1,046.09", ("value", Decimal("1046.09"))),
    ("0.10", ("value", Decimal("0.10"))),
    ("705,443", ("value", Decimal("705443"))),
    ("(3.00)", ("value", Decimal("-3.00"))),
    ("-12.5", ("value", Decimal("-12.5"))),
    ("——", ("na", None)),
    ("-", ("na", None)),
    ("/", ("na", None)),
    ("行政运行", ("text", None)),
    ("1.2.3", ("text", None)),
])
def test_parse_value_exact_decimals_and_not_applicable(text, expected):
    assert parse_value(text) == expected


def test_decimal_is_never_a_float_artefact():
    status, value = parse_value("0.30")
    assert status == "value" and str(value + parse_value("0.60")[1]) == "0.90"


@pytest.mark.parametrize(("lines", "unit"), [
    (["收入决算表", "单位：万元"], "万元"),
    (["金额单位: 元"], "元"),
    (["2024年", "公开01表"], ""),
    (["单位：万先"], "万元"),  # 元 misread: the unit vocabulary is closed
    (["编制单位：某某局"], ""),
])
def test_unit_from_caption(lines, unit):
    assert unit_from_caption(lines) == unit


def test_header_rows_stop_at_first_data_row():
    assert header_row_count(table_of(EXPENDITURE_ROWS)) == 3


def test_split_and_joined_codes_give_the_same_records(pm):
    split = run(pm, [table_of(EXPENDITURE_ROWS, title="支出决算表")])
    joined_rows = [["项目", "<", "本年支出合计", "基本支出", "项目支出"],
                   ["功能分类科目编码", "科目名称", "^", "^", "^"]]
    for r in EXPENDITURE_ROWS[3:]:
        code = r[0] + r[1] + r[2] if r[0] != "合计" else "合计"
        joined_rows.append([code, r[3], *r[4:]])
    joined = run(pm, [table_of(joined_rows, title="支出决算表")])

    def key(a):
        return sorted((r.subject_code, r.level, r.subject_name, r.column, r.value, r.status) for r in a.records)

    assert key(split) == key(joined)
    levels = {r.subject_code: r.level for r in split.records}
    assert levels == {"": "", "201": "类", "20106": "款", "2010601": "项", "2010602": "项", "208": "类",
                      "20805": "款", "2080505": "项"}


def test_records_keep_na_distinct_and_leave_empty_cells_out(pm):
    a = run(pm, [table_of(EXPENDITURE_ROWS, title="支出决算表")])
    by = {(r.subject_code, r.column): r for r in a.records}
    assert by[("208", "project")].status == "na" and by[("208", "project")].value is None
    assert ("2010601", "project") not in by  # printed empty
    assert by[("2010601", "total")].value == Decimal("546.09")
    assert by[("2010601", "total")].label == "本年支出合计"


def test_continuation_joined_repeated_header_dropped_and_short_fragment_aligned(pm):
    head_rows = EXPENDITURE_ROWS[:8]
    cont_rows = [*EXPENDITURE_ROWS[:3], *EXPENDITURE_ROWS[8:]]  # repeats the header
    last = [["合计", "1,046.09", "746.09", "300.00"]]  # label spans the code/name columns: 4 columns
    head = table_of([r for r in head_rows if r[0] != "合计"], title="支出决算表", id="p001-t1", page=1)
    cont = table_of(cont_rows, id="p002-t1", page=2, continued=True)
    tail = table_of(last, id="p003-t1", page=3, continued=True)
    a = run(pm, [head, cont, tail])
    assert [t.type for t in a.tables] == ["final.expenditure"] * 3
    (lt,) = a.logical
    assert lt.parts == ("p001-t1", "p002-t1", "p003-t1") and lt.pages == (1, 2, 3)
    assert not any(r.name in ("类", "科目名称") for r in lt.rows)
    total = next(r for r in lt.rows if r.is_total)
    assert total.part == "p003-t1" and total.values["total"].value == Decimal("1046.09")
    statuses = {c.rule: c.status for c in a.table_checks}
    assert statuses["hierarchy:合计=total"] == "pass"  # 合计 on page 3 = Σ 类 over pages 1-2
    assert all(c.status == "pass" for c in a.table_checks)



def test_wide_basic_expenditure_groups(pm):
    rows = [
        ["经济分类", "<", "科目名称", "决算数", "经济分类", "<", "科目名称", "决算数"],
        ["科目编码", "<", "^", "^", "科目编码", "<", "^", "^"],
        ["类", "款", "^", "^", "类", "款", "^", "^"],
        ["301", "", "工资福利支出", "30.00", "302", "", "商品和服务支出", "5.00"],
        ["301", "01", "基本工资", "20.00", "302", "01", "办公费", "5.00"],
        ["301", "02", "津贴补贴", "10.00", "", "", "", ""],
        ["人员经费合计", "<", "<", "30.00", "公用经费合计", "<", "<", "5.00"],
    ]
    a = run(pm, [table_of(rows, title="一般公共预算财政拨款基本支出决算表")])
    assert a.tables[0].type == "final.general_budget_basic_expenditure"
    subjects = {(r.subject_code, r.subject_name) for r in a.records}
    assert ("30201", "办公费") in subjects and ("30101", "基本工资") in subjects
    assert {c.rule: c.status for c in a.table_checks}["totals:Σ合计=Σ类"] == "pass"
    assert all(c.status == "pass" for c in a.table_checks)


def test_reviewed_export_recomputes_records_and_checks(pm, tmp_path):
    """A reviewer's correction flows into records.reviewed.csv and re-balances the check it broke."""
    import csv
    import json

    from pipeline.document.codec import table_json
    from pipeline.export import write_document
    from pipeline.review.reviewed import export_document
    from pipeline.review.store import ReviewStore
    from tests.fiscal.tables import misread

    rows = misread(EXPENDITURE_ROWS, 6, 5, "516.09")  # 546.09 misread
    a = run(pm, [table_of(rows, title="支出决算表")])
    doc = {"schema": "fiscalscan.document/1", "source": {"path": "x.pdf", "sha256": "0" * 64, "pages": 1},
           "review_threshold": 0.9, "pages": [{"page": 1, "width": 10, "height": 10, "dpi": 200}],
           "tables": [table_json(t, PipelineConfig(), a) for t in a.tables],
           "check_summary": a.summary(), "checks": [c.to_json() for c in a.checks]}
    write_document(tmp_path, "doc", doc)
    assert json.loads((tmp_path / "doc" / "document.json").read_text(encoding="utf-8"))["check_summary"]["fail"] == 2
    store = ReviewStore(tmp_path)
    store.record(("doc", "p001-t1", 6, 5), old_text="516.09", new_text="546.09", action="correct",
                 reviewer="r", seen_version=0)
    export_document(tmp_path, "doc", store)
    reviewed = json.loads((tmp_path / "doc" / "document.reviewed.json").read_text(encoding="utf-8"))
    assert reviewed["check_summary"]["fail"] == 0
    with (tmp_path / "doc" / "records.reviewed.csv").open(encoding="utf-8") as f:
        got = {(r["subject_code"], r["column"]): r["value"] for r in csv.DictReader(f)}
    assert got[("2010601", "basic")] == "546.09"
    assert "516.09" in (tmp_path / "doc" / "records.csv").read_text(encoding="utf-8")  # the run's own: untouched


def test_summary_items_take_the_class_code_of_the_detailed_table(pm):
    from tests.fiscal.tables import SUMMARY_ROWS

    a = run(pm, [table_of(SUMMARY_ROWS, title="收入支出决算总表", id="p001-t1"),
                 table_of(EXPENDITURE_ROWS, title="支出决算表", id="p002-t1", page=2)])
    summary = {(r.subject_name, r.column): r for r in a.records if r.table == "p001-t1"}
    assert (summary[("一般公共服务支出", "expenditure_amount")].subject_code,
            summary[("一般公共服务支出", "expenditure_amount")].level) == ("201", "类")
    assert summary[("一般公共预算财政拨款收入", "income_amount")].subject_code == ""  # income: no such class


def test_wide_basic_expenditure_total_label_spanning_groups(pm):
    """The Ministry of Finance's 基本支出决算明细表: 公用经费 in three code/name/amount groups, its 合计 label spans
    them and its amount stands in the last group: the amount is keyed by the label and the totals check holds."""
    rows = [
        ["人员经费", "<", "<", "公用经费", "<", "<", "<", "<", "<"],
        ["科目代码", "科目名称", "决算数", "科目代码", "科目名称", "决算数", "科目代码", "科目名称", "决算数"],
        ["301", "工资福利支出", "30.00", "302", "商品和服务支出", "5.00", "310", "资本性支出", "2.00"],
        ["30101", "基本工资", "20.00", "30201", "办公费", "5.00", "31002", "办公设备购置", "2.00"],
        ["30102", "津贴补贴", "10.00", "", "", "", "", "", ""],
        ["人员经费合计", "<", "30.00", "公用经费合计", "<", "<", "<", "<", "7.00"],
    ]
    a = run(pm, [table_of(rows, title="一般公共预算财政拨款基本支出决算明细表")], fusion=False)
    assert a.tables[0].type == "final.general_budget_basic_expenditure"
    totals = {(r.subject_name, r.value) for r in a.records if "合计" in r.subject_name}
    assert totals == {("人员经费合计", Decimal("30.00")), ("公用经费合计", Decimal("7.00"))}
    assert all(r.subject_name for r in a.records)
    assert {c.rule: c.status for c in a.table_checks}["totals:Σ合计=Σ类"] == "pass"
    assert [c.rule for c in a.checks if c.status != "pass"] == []


def test_sectioned_statistics_table_yields_records(pm):
    """部门决算公开相关信息统计表 in sections: a numbered heading across the table, the column labels again under
    each heading, then the rows.  Headings are neither data nor column labels; repeated label rows are no records."""
    rows = [
        ["一、政府采购情况", "<", "<"],
        ["项目", "行次", "统计数"],
        ["合计", "1", "238.75"],
        ["货物", "2", "86.40"],
        ["服务", "3", "152.35"],
        ["二、机关运行经费", "<", "<"],
        ["项目", "", "统计数"],
        ["（一）行政单位", "4", "31.66"],
        ["三、国有资产占用情况", "<", "<"],
        ["（一）车辆数合计（辆）", "5", "5"],
        ["1. 应急保障用车", "6", "2"],
    ]
    a = run(pm, [table_of(rows, title="部门决算公开相关信息统计表")], fusion=False)
    assert a.tables[0].type == "final.disclosure_stats"
    got = {(r.subject_name, r.column, r.label, r.text) for r in a.records}
    assert got == {("合计", "amount.final", "统计数", "238.75"), ("货物", "amount.final", "统计数", "86.40"),
                   ("服务", "amount.final", "统计数", "152.35"), ("行政单位", "amount.final", "统计数", "31.66"),
                   ("车辆数合计(辆)", "amount.final", "统计数", "5"), ("应急保障用车", "amount.final", "统计数", "2")}


def test_a_column_named_by_a_misread_label_is_no_surer_than_that_label(pm):
    """"经业收入" is one character from both 经营收入 and 事业收入: the key it gives is a guess, so the column's
    records take the label cell's confidence; a verbatim label ("其他收入X") names its column whatever its reading."""
    rows = [
        ["项目", "<", "本年收入合计", "财政拨款收入", "事业收入", "经业收入", "其他收入X"],
        ["科目编码", "科目名称", "^", "^", "^", "^", "^"],
        ["合计", "<", "110.00", "100.00", "", "4.00", "6.00"],
        ["201", "一般公共服务支出", "110.00", "100.00", "", "4.00", "6.00"],
    ]
    conf = {(r, c): 0.99 for r in range(4) for c in range(7)} | {(0, 5): 0.2, (0, 6): 0.2}
    a = run(pm, [table_of(rows, title="收入决算表", confidence=conf)])
    assert a.tables[0].type == "final.income"
    by_col = {}
    for r in a.records:
        by_col.setdefault(r.col, []).append(r)
    assert {r.column for r in by_col[5]} == {"operating_income"}
    assert all(r.confidence <= 0.2 for r in by_col[5])
    assert all(r.confidence > 0.9 for r in by_col[6])  # other_income from 其他收入X, confirmed by the checks
    assert all(r.confidence > 0.9 for r in by_col[2])
