"""A column's own vocabulary (pipeline/document/column_near.py): a text one Chinese character away from a text the
column repeats is capped below the review threshold however sure its reading; repeated texts, standard terms,
enumerations and other columns are left alone."""

from __future__ import annotations

from pipeline.config import PipelineConfig
from pipeline.document.analysis import analyse
from pipeline.document.column_near import FLAG, cap_column_near_misses, column_near_misses, one_character_off
from pipeline.model import BBox, Cell, Table

REVIEW = 0.9
DONE = "目标已完成，无偏差"


def table(column: list[str], other: list[str] | None = None, conf: float = 0.99) -> Table:
    cells = [Cell(row=i, col=0, rowspan=1, colspan=1, text=t, confidence=conf, bbox=BBox(0, 10 * i, 10, 10 * i + 10))
             for i, t in enumerate(column)]
    cells += [Cell(row=i, col=1, rowspan=1, colspan=1, text=t, confidence=conf,
                   bbox=BBox(10, 10 * i, 20, 10 * i + 10)) for i, t in enumerate(other or [])]
    return Table(id="p001-t1", page=1, bbox=BBox(0, 0, 100, 100), n_rows=len(column), n_cols=2 if other else 1,
                 cells=tuple(cells))


def test_one_misread_character_of_a_repeated_phrase_is_capped() -> None:
    t = table([DONE, DONE, "目标已完或，无偏差", "自标已完成，无偏差", DONE])
    assert column_near_misses(t.cells) == {(2, 0), (3, 0)}
    out = {(c.row, c.col): c for c in cap_column_near_misses([t])[0].cells}
    assert out[(2, 0)].confidence < REVIEW and FLAG in out[(2, 0)].flags and out[(2, 0)].ocr_confidence == 0.99
    assert out[(0, 0)].confidence == 0.99 and FLAG not in out[(0, 0)].flags


def test_repeated_texts_terms_enumerations_and_other_columns_are_left_alone() -> None:
    # the near-miss repeated itself, a different number, an ordinal, a standard term, another column
    assert not column_near_misses(table([DONE, DONE, "目标已完或，无偏差", "目标已完或，无偏差"]).cells)
    assert not column_near_misses(table(["（一）行政单位", "（一）行政单位", "（二）行政单位"]).cells)
    assert not column_near_misses(table(["2023年度绩效", "2023年度绩效", "2024年度绩效"]).cells)
    assert not column_near_misses(table(["质量指标", "质量指标", "数量指标"]).cells)
    assert not column_near_misses(table([DONE, DONE], ["目标已完或，无偏差"]).cells)
    assert not column_near_misses(table(["合计", "合计", "台计"]).cells)  # too short to tell


def test_one_character_off() -> None:
    assert one_character_off("目标已完或", "目标已完成")
    assert not one_character_off("目标已完成。", "目标已完成")  # an added character is not a misreading
    assert not one_character_off("目标已或或", "目标已完成")
    assert not one_character_off("第三项目", "第二项目")


def test_the_document_stage_caps_a_column_near_miss() -> None:
    t = table(["偏差原因", DONE, DONE, DONE, "目标已完或，无偏差"])
    result = analyse("doc", [t], [], None, PipelineConfig())
    cell = next(c for c in result.tables[0].cells if c.row == 4)
    assert cell.confidence < REVIEW and FLAG in cell.flags


def test_capping_twice_flags_once() -> None:  # reanalysis and review re-fusion run the stage on its own output
    t = table([DONE, DONE, "目标已完或，无偏差"])
    twice = cap_column_near_misses(cap_column_near_misses([t]))[0]
    cell = next(c for c in twice.cells if c.row == 2)
    assert cell.flags.count(FLAG) == 1 and cell.confidence < REVIEW


def test_a_text_read_surely_elsewhere_in_the_document_confirms_a_doubtful_reading() -> None:
    from pipeline.document.column_near import document_vocabulary

    head = "国有资本经营预算财政拨款"
    sure = table([head, "部分资金拨付进度不均衡", "社会效益指标"], conf=0.99)
    doubtful = Table(id="p002-t1", page=2, bbox=BBox(0, 0, 100, 100), n_rows=3, n_cols=1, cells=tuple(
        Cell(row=i, col=0, rowspan=1, colspan=1, text=t, confidence=0.3, bbox=BBox(0, 10 * i, 10, 10 * i + 10))
        for i, t in enumerate([head, "国有资本经营预算财政拨", "社会效益"])))
    vocab = document_vocabulary([sure, doubtful])
    assert head in vocab and "国有资本经营预算财政拨" not in vocab  # only sure readings make words
    result = analyse("doc", [sure, doubtful], [], None, PipelineConfig())
    cells = {c.row: c for c in result.tables[1].cells}
    assert cells[0].confidence > REVIEW and "vocabulary" in cells[0].flags  # the same text, read surely on p001
    assert cells[1].confidence < REVIEW  # one character short of it: still doubtful
    assert cells[2].confidence < REVIEW  # the beginning of a longer word is no word of its own
