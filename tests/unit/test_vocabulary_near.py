"""Vocabulary near-misses (pipeline/vocabulary_near.py): a label one character away from a standard term is capped
below the review threshold however sure the recogniser was; exact terms, variants printed in other years and
ordinary text are left alone."""

from __future__ import annotations

from pipeline.document.vocabulary import confirm_vocabulary, raised
from pipeline.document.vocabulary_near import CEILING, FLAG, near_miss, within_one
from pipeline.model import BBox, Cell, Table

REVIEW = 0.9


def only(text: str, conf: float) -> Cell:
    c = Cell(row=0, col=0, rowspan=1, colspan=1, text=text, confidence=conf, bbox=BBox(0, 0, 10, 10))
    t = Table(id="p001-t1", page=1, bbox=BBox(0, 0, 100, 100), n_rows=1, n_cols=1, cells=(c,))
    return confirm_vocabulary([t])[0].cells[0]


def test_one_character_inserted_dropped_or_changed_is_a_near_miss() -> None:
    assert near_miss("科自名称") == "科目名称"  # changed
    assert near_miss("项目支出7") == "项目支出"  # a trailing digit (a speck or a ruling)
    assert near_miss("二十五、债务付息支出人") == "债务付息支出"  # after the ordinal prefix
    assert near_miss("机关事业单位基本养老保险缴费支") == "机关事业单位基本养老保险缴费支出"  # dropped
    assert near_miss("X项目支出") == "项目支出"


def test_terms_short_words_and_other_text_are_not() -> None:
    for text in ("科目名称", "九、卫生健康支出", "本年收入", "年度资金总额：", "办公费", "离休费", "合计",
                 "1,234.50", "2010101", "项目年初预算1260.00万元", "计划生育服务", ""):
        assert near_miss(text) is None, text


def test_a_confident_near_miss_is_capped_below_the_review_threshold_and_keeps_its_text() -> None:
    out = only("科自名称", 0.99)
    assert out.confidence == CEILING < REVIEW and FLAG in out.flags and out.text == "科自名称"
    assert out.ocr_confidence == 0.99
    assert only("科目名称", 0.99).confidence == 0.99  # the term itself is untouched


def test_a_corrected_text_drops_the_stale_flag() -> None:
    conf, flags = raised("科目名称", 0.99, ("vocabulary-near-miss",))
    assert conf == 0.99 and FLAG not in flags


def test_within_one() -> None:
    assert within_one("abcd", "abed") and within_one("abc", "abcd") and within_one("abcd", "acd")
    assert not within_one("abcd", "badc") and not within_one("ab", "abcd")
