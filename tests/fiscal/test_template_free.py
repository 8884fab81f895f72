"""Records and checks for tables nobody wrote a type for: untyped records, template-free checks, the record's
confidence covering its key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.document.checks.generic import discovered_identities
from pipeline.document.logical import logical_tables
from pipeline.document.recognise import recognise
from pipeline.document.records import split_code_and_name
from tests.fiscal.tables import EXPENDITURE_ROWS, misread, run, table_of

# An unusual title and header words no type knows; the arithmetic holds (col 2 = col 3 + col 4, 类 = Σ 款).
ODD_ROWS = [
    ["编码", "事项", "全部资金", "自有资金", "借入资金"],
    ["401", "甲类事项", "30.00", "20.00", "10.00"],
    ["40101", "甲一", "12.00", "8.00", "4.00"],
    ["40102", "甲二", "18.00", "12.00", "6.00"],
    ["402", "乙类事项", "7.50", "5.00", "2.50"],
    ["40201", "乙一", "7.50", "5.00", "2.50"],
    ["总计", "", "37.50", "25.00", "12.50"],
]


def odd(rows=ODD_ROWS, **kw):
    return table_of(rows, title="某某事项资金情况一览", **kw)


def test_untyped_table_yields_records_keyed_by_code_or_label_path(pm):
    a = run(pm, [odd()])
    assert a.tables[0].type == "generic"
    recs = {(r.subject_code, r.level, r.subject_name, r.label): r for r in a.records}
    r = recs[("40101", "款", "甲一", "自有资金")]
    assert r.value == Decimal("8.00") and r.column == "" and r.table_type == "generic"
    total = recs[("", "", "总计", "全部资金")]
    assert total.value == Decimal("37.50")
    assert len(a.records) == 18


def test_untyped_label_path_and_serial_column(pm):
    rows = [["序号", "项目", "<", "金额"],
            ["1", "产出指标", "数量指标", "3.00"],
            ["2", "^", "质量指标", "4.00"]]
    a = run(pm, [table_of(rows, title="某表")])
    names = sorted(r.subject_name for r in a.records)
    assert names == ["1 / 产出指标 / 数量指标", "2 / 产出指标 / 质量指标"]
    assert all(r.label == "金额" for r in a.records)


def test_a_list_without_amounts_has_no_records(pm):
    a = run(pm, [table_of([["序号", "单位名称"], ["1", "某某局"]], title="单位构成")])
    assert a.tables[0].type == "generic" and a.records == ()


def test_template_free_checks_pass_on_an_honest_untyped_table(pm):
    a = run(pm, [odd()], fusion=False)
    rules = {c.rule.split(":")[0] for c in a.checks}
    assert {"hierarchy", "identity"} <= rules
    assert all(c.status == "pass" for c in a.checks)


def test_discovered_identity_flags_a_confident_misread(pm):
    rows = misread(ODD_ROWS, 2, 3, "3.00")  # 8.00 read as 3.00, at full confidence
    a = run(pm, [odd(rows, confidence=0.999)])
    failing = [c for c in a.checks if c.status == "fail" and c.rule.startswith("identity")]
    assert failing and all(any(t.ref == ("p001-t1", 2, 3) for t in c.terms) for c in failing)
    cell = next(c for c in a.tables[0].cells if (c.row, c.col) == (2, 3))
    assert cell.confidence <= 0.5
    rec = next(r for r in a.records if r.row == 2 and r.col == 3)
    assert rec.confidence <= 0.5


def test_no_identity_between_unrelated_columns(pm):
    rows = [["项目", "甲", "乙", "丙"],
            ["a", "5.00", "2.00", "1.00"],
            ["b", "9.00", "4.00", "3.00"],
            ["c", "7.00", "1.00", "1.00"],
            ["d", "6.00", "2.00", "2.00"]]
    lt = logical_tables(recognise([table_of(rows, title="某表")], pm.recognizers()))[0]
    assert discovered_identities(lt) == []


def test_total_rows_subtotals_and_grand_total(pm):
    rows = [["项目", "金额"],
            ["一、甲", "1.00"], ["二、乙", "2.00"], ["小计", "3.00"],
            ["一、丙", "4.00"], ["小计", "4.00"],
            ["合计", "7.00"]]
    a = run(pm, [table_of(rows, title="某表")], fusion=False)
    totals = [c for c in a.checks if c.rule.startswith("total")]
    assert len(totals) == 3 and all(c.status == "pass" for c in totals)
    bad = run(pm, [table_of(misread(rows, 6, 1, "9.00"), title="某表")], fusion=False)
    assert [c.status for c in bad.checks if c.rule.startswith("total:合计")] == ["fail"]


def test_same_code_and_label_in_two_tables_must_agree(pm):
    head = ["编码", "事项", "金额"]
    body = [["401", "甲", "1.00"], ["402", "乙", "2.00"], ["403", "丙", "3.00"], ["404", "丁", "4.00"]]
    other = [row[:] for row in body]
    other[3][2] = "9.00"  # one misread
    a = run(pm, [table_of([head, *body], title="一表", id="p001-t1"),
                 table_of([head, *other], title="二表", id="p002-t1", page=2)], fusion=False)
    same = [c for c in a.checks if c.rule.startswith("same:")]
    assert sorted(c.status for c in same) == ["fail", "pass", "pass", "pass"]


def test_typed_table_gets_no_duplicate_row_identity(pm):
    a = run(pm, [table_of(EXPENDITURE_ROWS, title="支出决算表")], fusion=False)
    assert a.tables[0].type == "final.expenditure"
    assert not [c for c in a.checks if c.rule.startswith("identity:total=")]


def test_record_confidence_covers_its_key_cells(pm):
    rows = [r[:] for r in EXPENDITURE_ROWS]
    rows[6][3] = "行政远行"  # misread: an exact standard name would be confirmed (pipeline/document/vocabulary.py)
    conf = {(6, 3): 0.4}  # the name cell of 行政运行 read doubtfully
    a = run(pm, [table_of(rows, title="支出决算表", confidence={**conf})])
    recs = [r for r in a.records if r.row == 6]
    assert recs and all(r.confidence <= 0.4 for r in recs)
    assert all(r.confidence > 0.9 for r in a.records if r.row == 5)


def test_code_and_name_in_one_cell_are_split():
    assert split_code_and_name({"code_lei": "301", "code_kuan": "08机关事业单位基本养老保险缴费"}) == {
        "code_lei": "301", "code_kuan": "08", "name": "机关事业单位基本养老保险缴费"}
    assert split_code_and_name({"code_kuan": "09|职业年金缴费", "name": ""})["code_kuan"] == "09"
    kept = {"code_kuan": "08", "name": "基本工资"}
    assert split_code_and_name(kept) == kept


CORPUS = Path("/work/shared/corpus")


@pytest.mark.skipif(not (CORPUS / "manifest.json").is_file(), reason="shared corpus not available")
def test_honest_corpus_tables_never_fail_a_template_free_check_nor_look_broken(pm):
    """Truth-perfect input of every corpus document, every table forced untyped: the template-free checks all
    hold, no grid is repaired and no cell is marked doubtful."""
    import json

    from pipeline.config import PipelineConfig
    from pipeline.document.analysis import analyse
    from pipeline.document.structure import doubtful_cells, empty_header_cells, repair_tables
    from pipeline.evaluate.records import _truth_table

    generic = [r for r in pm.recognizers() if r.name == "generic"]
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    n = 0
    for d in manifest["documents"]:
        truth = json.loads((CORPUS / d["id"] / d.get("truth", "truth.json")).read_text(encoding="utf-8"))
        tables = [_truth_table(t) for t in truth["tables"]]
        assert all(a is b for a, b in zip(tables, repair_tables(tables), strict=True))
        assert not [ref for t in tables for ref in (*doubtful_cells(t), *empty_header_cells(t))]
        a = analyse(d["id"], recognise(tables, generic), generic, None, PipelineConfig(), fusion=False)
        assert [c.rule for c in a.checks if c.status == "fail"] == [], d["id"]
        n += len(a.checks)
    assert n > 500


def test_code_pieces_take_the_level_of_their_length_and_odd_codes_are_doubtful(pm):
    rows = [r[:] for r in EXPENDITURE_ROWS]
    rows[6][:3] = ["201", "0601", ""]  # 2010601 printed as pieces in the 类 and 款 columns
    rows[7][:3] = ["201", "06", "020"]  # 项 02 read with a stray digit: 8 digits, no code length
    a = run(pm, [table_of(rows, title="支出决算表")])
    by_row = {r.row: r for r in a.records}
    assert (by_row[6].subject_code, by_row[6].level) == ("2010601", "项")
    assert by_row[7].subject_code == "20106020"
    assert all(r.confidence <= 0.5 for r in a.records if r.row == 7)


@pytest.mark.parametrize("label", ["行次", "栏次", ""])
def test_a_row_number_column_is_never_an_amount(pm, label):
    """1, 2, 3, … printed in a column (labelled 行次/栏次 or not): the row's number, never an amount record nor a
    term of a check."""
    rows = [["项目", label, "金额"], ["甲", "1", "3.00"], ["乙", "2", "4.00"], ["丙", "3", "5.00"],
            ["合计", "4", "12.00"]]
    a = run(pm, [table_of(rows, title="某某统计表")])
    assert sorted(r.value for r in a.records) == [Decimal("3.00"), Decimal("4.00"), Decimal("5.00"), Decimal("12.00")]
    assert all(r.col == 2 for r in a.records)
    assert not any(t.ref is not None and t.ref[2] == 1 for c in a.checks for t in c.terms)
