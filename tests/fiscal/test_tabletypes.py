"""Table-type recognition: title and header semantics, OCR-error tolerant, never exact strings."""

from __future__ import annotations

import pytest

from pipeline.document.codec import notes_to_json
from pipeline.document.notes import ColumnMap, TableNotes
from pipeline.document.recognise import recognise
from pipeline.plugin_manager import PluginManager
from pipeline.tabletypes import fuzzy_find, norm, table_kind
from tests.fiscal.tables import EXPENDITURE_ROWS, SUMMARY_ROWS, table_of


@pytest.fixture(scope="module")
def recognizers():
    return PluginManager(entrypoints=False).recognizers()


def as_json(pairs: ColumnMap | None) -> dict[str, str]:
    """A column map as document.json writes it (column index as a string key)."""
    return notes_to_json(TableNotes(columns=pairs))["columns"] if pairs is not None else {}


def typed(recognizers, rows, title, **kw):
    return recognise([table_of(rows, title=title, **kw)], recognizers)[0]


def test_norm_drops_year_punctuation_and_width():
    assert norm("2025年部门“三公”经费预算表") == "部门三公经费预算表"
    assert norm("因公出国（境）费") == norm("因公出国(境)费")


def test_fuzzy_find_tolerates_one_ocr_error_in_long_words_only():
    assert fuzzy_find("收入支出决算总表", "收入支出决算总表") == 1.0
    assert 0.5 <= fuzzy_find("收入支出决箅总表", "收入支出决算总表") < 1.0  # 算 read as 箅
    assert fuzzy_find("事业支出", "事业收入") == 0.0  # four characters: no tolerance
    assert fuzzy_find("", "决算") == 0.0


def test_kind_from_title_then_header():
    assert table_kind("一般公共预算财政拨款支出决算表", "") == ("final", "title")
    assert table_kind("部门收入预算总表", "") == ("budget", "title")
    assert table_kind("", norm("项目决算数")) == ("final", "header")
    assert table_kind("", "") == (None, "")


TITLE_CASES = [
    ("收入支出决算总表", SUMMARY_ROWS, "final.summary"),
    ("财政拨款收入支出决算总表", SUMMARY_ROWS, "final.fiscal_summary"),
    ("2025年部门财务收支预算总表", SUMMARY_ROWS, "budget.summary"),
    ("2025年部门财政拨款收支预算总表", SUMMARY_ROWS, "budget.fiscal_summary"),
    ("支出决算表", EXPENDITURE_ROWS, "final.expenditure"),
    ("一般公共预算财政拨款支出决算表", EXPENDITURE_ROWS, "final.general_budget_expenditure"),
    ("一般公共预算财政拨款基本支出决算表", EXPENDITURE_ROWS, "final.general_budget_basic_expenditure"),
    ("政府性基金预算财政拨款收入支出决算表", EXPENDITURE_ROWS, "final.gov_fund"),
    ("国有资本经营预算财政拨款支出决算表", EXPENDITURE_ROWS, "final.state_capital"),
    ("收入决算表", EXPENDITURE_ROWS, "final.income"),
    ("财政拨款“三公”经费支出决算表", EXPENDITURE_ROWS, "final.three_public"),
    ("部门决算公开相关信息统计表", EXPENDITURE_ROWS, "final.disclosure_stats"),
    ("项目支出绩效自评表", EXPENDITURE_ROWS, "final.performance_self_eval"),
    ("2024年部门收入预算总表", EXPENDITURE_ROWS, "budget.income"),
    ("2024年部门支出预算总表", EXPENDITURE_ROWS, "budget.expenditure"),
    ("2024年部门一般公共预算支出功能分类预算表", EXPENDITURE_ROWS, "budget.general_budget_expenditure"),
    ("2024年部门一般公共预算基本支出部门预算经济分类预算表", EXPENDITURE_ROWS,
     "budget.general_budget_basic_expenditure"),
    ("2024年部门政府性基金预算支出功能分类预算表", EXPENDITURE_ROWS, "budget.gov_fund"),
    ("2024年部门国有资本经营预算支出功能分类预算表", EXPENDITURE_ROWS, "budget.state_capital"),
    ("部门“三公”经费和机关运行经费预算表", EXPENDITURE_ROWS, "budget.three_public"),
    ("2025年项目支出绩效目标表", EXPENDITURE_ROWS, "budget.performance_targets"),
    ("单位构成情况", [["序号", "单位名称"], ["1", "某某局"]], "generic"),
    # common local variants of other provinces and years
    ("收入支出决算表", SUMMARY_ROWS, "final.summary"),
    ("一般公共预算财政拨款“三公”经费支出决算表", EXPENDITURE_ROWS, "final.three_public"),
    ("机关运行经费支出决算表", EXPENDITURE_ROWS, "final.disclosure_stats"),
    ("部门整体支出绩效自评表", EXPENDITURE_ROWS, "final.performance_self_eval"),
    ("收支预算总表", SUMMARY_ROWS, "budget.summary"),
    ("支出预算总表", EXPENDITURE_ROWS, "budget.expenditure"),
    ("财政拨款支出预算表", EXPENDITURE_ROWS, "budget.fiscal_expenditure"),
    ("一般公共预算支出预算表", EXPENDITURE_ROWS, "budget.general_budget_expenditure"),
    ("一般公共预算基本支出预算表", EXPENDITURE_ROWS, "budget.general_budget_basic_expenditure"),
    ("一般公共预算支出预算表（按经济分类科目）", EXPENDITURE_ROWS, "budget.general_budget_basic_expenditure"),
    ("政府性基金预算支出预算表", EXPENDITURE_ROWS, "budget.gov_fund"),
    ("“三公”经费、会议费、培训费支出预算表", EXPENDITURE_ROWS, "budget.three_public"),
    ("机关运行经费预算表", EXPENDITURE_ROWS, "budget.three_public"),
    ("政府采购预算表", [["项目名称", "预算金额"], ["办公设备", "12.00"]], "budget.procurement"),
    ("项目支出预算表", EXPENDITURE_ROWS, "budget.project_expenditure"),
    ("部门整体支出绩效目标表", EXPENDITURE_ROWS, "budget.performance_targets"),
]


@pytest.mark.parametrize(("title", "rows", "expected"), TITLE_CASES)
def test_every_type_id_from_its_title(recognizers, title, rows, expected):
    assert typed(recognizers, rows, title).type == expected


# The Ministry of Finance's standard names of the eight 部门预算 tables (many provinces print them as is, without
# 预算 in the title): the kind must then come from the words that are there.
STANDARD_BUDGET_TITLES = [
    ("2025年部门收支总表", SUMMARY_ROWS, "budget.summary"),
    ("部门收入总表", EXPENDITURE_ROWS, "budget.income"),
    ("部门支出总表", EXPENDITURE_ROWS, "budget.expenditure"),
    ("财政拨款收支总表", SUMMARY_ROWS, "budget.fiscal_summary"),
    ("一般公共预算支出表", EXPENDITURE_ROWS, "budget.general_budget_expenditure"),
    ("一般公共预算基本支出表", EXPENDITURE_ROWS, "budget.general_budget_basic_expenditure"),
    ("一般公共预算“三公”经费支出表", EXPENDITURE_ROWS, "budget.three_public"),
    ("政府性基金预算支出表", EXPENDITURE_ROWS, "budget.gov_fund"),
    ("国有资本经营预算支出表", EXPENDITURE_ROWS, "budget.state_capital"),
]


@pytest.mark.parametrize(("title", "rows", "expected"), STANDARD_BUDGET_TITLES)
def test_standard_budget_table_names(recognizers, title, rows, expected):
    budget_rows = [[c.replace("决算数", "预算数") for c in r] for r in rows]
    assert typed(recognizers, budget_rows, title).type == expected


@pytest.mark.parametrize(("title", "expected"), [
    ("收入支出决箅总表", "final.summary"),  # 算 → 箅
    ("财政拨款收入支出决算总衣", "final.fiscal_summary"),  # 表 → 衣
    ("一般公共预算财政拨款基本支岀决算表", "final.general_budget_basic_expenditure"),  # 出 → 岀
])
def test_titles_with_ocr_errors(recognizers, title, expected):
    rows = SUMMARY_ROWS if "总" in title else EXPENDITURE_ROWS
    assert typed(recognizers, rows, title).type == expected


def test_header_alone_types_a_table_without_title_at_lower_confidence(recognizers):
    t = typed(recognizers, EXPENDITURE_ROWS, "")
    assert t.type == "final.expenditure"
    assert t.type_confidence < typed(recognizers, EXPENDITURE_ROWS, "支出决算表").type_confidence


def test_continuation_carries_its_heads_type(recognizers):
    head = table_of(EXPENDITURE_ROWS, title="支出决算表", id="p001-t1")
    cont = table_of([["208", "05", "06", "职业年金缴费支出", "1.00", "1.00", ""]], id="p002-t1", page=2,
                    continued=True)
    out = recognise([head, cont], recognizers)
    assert [t.type for t in out] == ["final.expenditure", "final.expenditure"]


def test_column_keys_from_label_paths(recognizers):
    t = typed(recognizers, EXPENDITURE_ROWS, "支出决算表")
    assert as_json(t.notes.columns) == {"0": "code_lei", "1": "code_kuan", "2": "code_xiang", "3": "name", "4": "total",
                                  "5": "basic", "6": "project"}
    s = typed(recognizers, SUMMARY_ROWS, "收入支出决算总表")
    assert as_json(s.notes.columns) == {"0": "income_item", "1": "income_amount", "2": "expenditure_item",
                                  "3": "expenditure_amount"}


def test_column_number_row_is_not_part_of_the_labels(recognizers):
    rows = [*EXPENDITURE_ROWS[:3], ["栏次", "<", "<", "<", "1", "2", "3"], *EXPENDITURE_ROWS[3:]]
    t = typed(recognizers, rows, "支出决算表")
    assert as_json(t.notes.labels)["4"] == "本年支出合计" and as_json(t.notes.columns)["6"] == "project"


def test_three_public_measure_blocks(recognizers):
    rows = [
        ["财政拨款“三公”经费", "<", "<", "<", "<", "<"],
        ["合计", "<", "因公出国（境）费", "<", "公务接待费", "<"],
        ["预算数", "决算数", "预算数", "决算数", "预算数", "决算数"],
        ["3.00", "2.50", "1.00", "1.00", "2.00", "1.50"],
    ]
    t = typed(recognizers, rows, "财政拨款“三公”经费支出决算表")
    assert as_json(t.notes.columns) == {"0": "total.budget", "1": "total.final", "2": "outbound.budget",
                                  "3": "outbound.final", "4": "reception.budget", "5": "reception.final"}


def test_untitled_table_takes_the_documents_kind(recognizers):
    """Header words alone (一般公共预算支出: 合计 | 基本支出 | 项目支出) fit a final and a budget type equally; the
    other tables of the document decide."""
    header = [["项目", "<", "<", "<", "一般公共预算支出", "<", "<"],
              ["功能分类科目编码", "<", "<", "科目名称", "合计", "基本支出", "项目支出"],
              ["类", "款", "项", "^", "^", "^", "^"],
              ["201", "", "", "一般公共服务支出", "846.09", "546.09", "300.00"]]
    for kind, titles in (("budget", ["部门收入预算表", "部门支出预算表"]), ("final", ["收入决算表", "支出决算表"])):
        tables = [table_of(EXPENDITURE_ROWS, title=t, id=f"p00{i}-t1", page=i) for i, t in enumerate(titles, 1)]
        tables.append(table_of(header, id="p009-t1", page=9))
        out = recognise(tables, recognizers)
        assert out[-1].type == f"{kind}.general_budget_expenditure", kind
