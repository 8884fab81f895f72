"""A character's confidence counts the readings that leave the cell's text as written (plugins/cells/charconf.py):
doubt between spellings written alike (决/決, （/(, ，/,) or about a dust mark the cleanup drops whatever it was read
as is not doubt about the text; doubt between different texts (农/衣, 、/，in a sentence, "."/"," in 1.18万亩) is."""

from __future__ import annotations

import numpy as np

from pipeline.interfaces import LineRecognition
from plugins.cells.charconf import settled_confidence, settled_confidences
from plugins.cells.reconstruct import written
from plugins.ocr.ppocr_onnx import ctc_decode


def line(text: str, weak: dict[int, tuple[float, tuple[tuple[str, float], ...]]]) -> LineRecognition:
    """A reading of ``text``, every character sure but those in ``weak``: position -> (probability, runners-up)."""
    confs = tuple(weak[i][0] if i in weak else 1.0 for i in range(len(text)))
    alts = tuple(weak[i][1] if i in weak else () for i in range(len(text)))
    return LineRecognition(text, float(np.mean(confs)), confs, alts)


def test_variants_written_alike_are_one_reading() -> None:
    assert settled_confidence([line("决算数", {0: (0.77, (("決", 0.23),))})], "决算数", written) > 0.99
    brackets = line("(一)行政单位", {0: (0.65, (("（", 0.35),)), 2: (0.63, (("）", 0.37),))})
    assert settled_confidence([brackets], "（一）行政单位", written) > 0.99
    assert settled_confidence([line("目标已完成，无偏差", {5: (0.6, ((",", 0.4),))})], "目标已完成，无偏差",
                              written) > 0.99


def test_a_dust_mark_dropped_whatever_it_was_read_as_is_no_doubt() -> None:
    stray = line("46.", {2: (0.74, (("", 0.24), (",", 0.01)))})
    assert settled_confidence([stray], "46", written) > 0.98
    leading = line(",栏次", {0: (0.41, (("", 0.26), (".", 0.25)))})
    assert settled_confidence([leading], "栏次", written) > 0.9


def test_doubt_between_different_texts_stays() -> None:
    assert settled_confidence([line("新建高标准农田", {5: (0.53, (("衣", 0.47),))})], "新建高标准农田",
                              written) == 0.53
    assert settled_confidence([line("1.18万亩", {1: (0.61, ((",", 0.39),))})], "1.18万亩", written) == 0.61
    assert settled_confidence([line("道路、灌排", {2: (0.51, (("，", 0.46),))})], "道路、灌排", written) == 0.51
    # a mark the cleanup would keep ("、" after a label is printed text) is doubt about the text
    assert settled_confidence([line("支出.", {2: (0.5, (("、", 0.4), ("", 0.1)))})], "支出", written) == 0.6
    assert settled_confidence([line("1", {0: (0.57, (("7", 0.37),))})], "1", written) == 0.57


def test_without_alternatives_or_when_the_text_was_not_written_so_the_reading_stands() -> None:
    plain = LineRecognition("决算数", 0.9, (0.77, 1.0, 1.0))
    assert settled_confidence([plain], "决算数", written) == 0.77
    assert settled_confidences([line("决算数", {0: (0.77, (("決", 0.23),))})], "决算", written)[0] == 0.77
    assert settled_confidence([LineRecognition("", 0.0)], "", written) == 0.0


def test_ctc_decode_keeps_the_runners_up_of_each_character() -> None:
    charset = ["<blank>", "决", "決", "算"]
    probs = np.array([[0.1, 0.6, 0.3, 0.0],   # 决, runner-up 決
                      [0.05, 0.8, 0.15, 0.0],  # the same 决 again: its surest frame counts
                      [0.9, 0.05, 0.05, 0.0],  # blank
                      [0.02, 0.0, 0.0, 0.98]])  # 算
    res = ctc_decode(probs, charset)
    assert res.text == "决算"
    assert res.char_confidences == (0.8, 0.98)
    assert res.char_alternatives[0][:2] == (("決", 0.15), ("", 0.05))
    assert res.char_alternatives[1] == (("", 0.02),)
