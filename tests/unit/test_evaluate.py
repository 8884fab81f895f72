"""``fiscalscan eval``: hand-made truth/prediction folders with known scores."""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pipeline import cli
from pipeline import evaluate as ev

CORPUS = Path("/work/shared/corpus")
Table = dict[str, Any]


def grid(rows: Sequence[Sequence[str | None]], page: int = 1, title: str = "收入决算表",
         spans: Sequence[tuple[int, int, int, int]] = (), confidence: float | None = None) -> Table:
    """A table from row lists; ``spans`` are (row, col, rowspan, colspan); covered positions hold None."""
    span = {(r, c): (rs, cs) for r, c, rs, cs in spans}
    cells = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text is None:
                continue
            rs, cs = span.get((r, c), (1, 1))
            cell: dict[str, Any] = {"row": r, "col": c, "rowspan": rs, "colspan": cs, "text": text}
            if confidence is not None:
                cell["confidence"] = confidence
            cells.append(cell)
    return {"id": f"p{page:03d}-t1", "page": page, "title": title, "continued": False,
            "n_rows": len(rows), "n_cols": max(len(r) for r in rows), "cells": cells}


T1 = grid([["项目", None, "本年收入", "财政拨款"],
           ["类", "科目名称", None, None],
           ["201", "一般公共服务支出", "2,112.86", "2,106.66"],
           ["208", "社会保障和就业支出", "326.72", "326.72"],
           ["210", "卫生健康支出", "60.99", ""]],
          spans=[(0, 0, 1, 2), (0, 2, 2, 1), (0, 3, 2, 1)])
T2 = grid([["项目", "金额"], ["合计", "6.20"], ["其他", "0.01"]], page=2, title="其他表")
T1_FILLED = 16  # non-empty truth cells of T1
T1_AMOUNTS = 5  # of them amounts (codes 201/208/210 are not)
SCAN = b"%PDF-1.4 fake scan of doc-a"


def with_confidence(tables: Sequence[Table], value: float = 0.99) -> list[Table]:
    out = copy.deepcopy(list(tables))
    for t in out:
        for c in t["cells"]:
            c["confidence"] = value
    return out


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def make_corpus(root: Path, docs: dict[str, list[Table]]) -> Path:
    entries = []
    for doc_id, tables in docs.items():
        (root / doc_id / "pdf").mkdir(parents=True)
        (root / doc_id / "pdf" / "scan.pdf").write_bytes(SCAN + doc_id.encode())
        write_json(root / doc_id / "truth.json", {"document": doc_id, "tables": tables})
        entries.append({"id": doc_id, "title": doc_id, "kind": "budget", "scan": "pdf/scan.pdf",
                        "pages": "pages/", "truth": "truth.json"})
    write_json(root / "manifest.json", {"version": 1, "documents": entries})
    return root


def document(tables: Sequence[Table], sha: str = "", threshold: float | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema": "fiscalscan.document/1",
                           "source": {"path": "x.pdf", "sha256": sha, "pages": 2}, "tables": list(tables)}
    if threshold is not None:
        doc["review_threshold"] = threshold
    return doc


Run = tuple[dict[str, float | None], ev.DocumentResult, ev.Review | None]


def run_one(tmp_path: Path, pred_tables: Sequence[Table], truth_tables: Sequence[Table] = (T1, T2),
            threshold: float | None = 0.9) -> Run:
    """Evaluate one document; returns its metrics, result and review statistics."""
    corpus = make_corpus(tmp_path / "corpus", {"doc-a": list(truth_tables)})
    write_json(tmp_path / "out" / "doc-a" / "document.json", document(pred_tables))
    res = ev.evaluate(corpus, tmp_path / "out", threshold)
    return ev.metrics(res.tally), res.documents[0], res.review()


def test_normalisation_and_amounts() -> None:
    assert ev.normalize(" ２，９４０．０５ ") == "2940.05"
    assert ev.normalize("1,234,567.00") == "1234567.00"
    assert ev.normalize("项 目\n名称") == "项目名称"
    assert ev.normalize("−3.20") == ev.normalize("—3.20") == "-3.20"
    assert ev.parse_number("(3.20)") == -3.2
    assert ev.parse_number("12.5%") == 12.5
    assert ev.parse_number("行政运行") is None
    assert ev.amount_value("201") is None
    assert ev.amount_value("2,940") == 2940.0
    assert ev.amount_value("１２．５％") == 12.5


def test_perfect_prediction_scores_100(tmp_path: Path) -> None:
    m, doc, rv = run_one(tmp_path, with_confidence([T1, T2]))
    for key in ("table_recall", "table_precision", "title_acc", "content_acc", "numeric_recall",
                "numeric_precision", "adjacency_f1"):
        assert m[key] == 1.0, key
    assert doc.tally.gt_cells == T1_FILLED + 6
    assert rv is not None and rv.wrong == 0 and rv.at_threshold.flagged == 0


def test_one_wrong_amount(tmp_path: Path) -> None:
    pred = copy.deepcopy([T1])
    next(c for c in pred[0]["cells"] if c["text"] == "326.72")["text"] = "326.12"
    m, doc, _ = run_one(tmp_path, pred, truth_tables=[T1])
    assert m["content_acc"] == pytest.approx((T1_FILLED - 1) / T1_FILLED)
    assert m["numeric_recall"] == pytest.approx((T1_AMOUNTS - 1) / T1_AMOUNTS)
    assert m["numeric_precision"] == pytest.approx((T1_AMOUNTS - 1) / T1_AMOUNTS)
    assert m["table_recall"] == 1.0
    (err,) = doc.tables[0].errors
    assert (err.row, err.col, err.truth, err.pred, err.kind) == (3, 2, "326.72", "326.12", "text")


def test_full_width_and_spacing_differences_are_not_errors(tmp_path: Path) -> None:
    pred = copy.deepcopy([T1])
    for c in pred[0]["cells"]:
        c["text"] = c["text"].replace("2,112.86", "２，１１２．８６").replace("卫生健康", "卫生 健康")
    m, _, _ = run_one(tmp_path, pred, truth_tables=[T1])
    assert m["content_acc"] == 1.0


def test_shifted_extra_column_still_aligns(tmp_path: Path) -> None:
    pred = copy.deepcopy(T1)
    for c in pred["cells"]:
        c["col"] += 1
        c["confidence"] = 0.99
    pred["cells"] += [{"row": r, "col": 0, "rowspan": 1, "colspan": 1, "text": f"x{r}", "confidence": 0.99}
                      for r in range(pred["n_rows"])]
    pred["n_cols"] += 1
    m, _, rv = run_one(tmp_path, [pred], truth_tables=[T1])
    assert m["content_acc"] == 1.0
    assert m["numeric_recall"] == 1.0
    assert rv is not None and rv.wrong == pred["n_rows"]  # the invented column's cells


def test_extra_row_and_missing_row(tmp_path: Path) -> None:
    rows = [["项目", "金额"], ["合计", "6.20"], ["其他", "0.01"], ["补充", "1.50"]]
    truth = grid(rows)
    pred = grid([rows[0], ["噪声", "9.99"], rows[1], rows[3]])  # row 2 lost, junk row inserted
    m, doc, _ = run_one(tmp_path, [pred], truth_tables=[truth])
    assert m["content_acc"] == pytest.approx(6 / 8)
    errors = [(e.row, e.col, e.kind) for e in doc.tables[0].errors]
    assert errors == [(2, 0, "unaligned"), (2, 1, "unaligned")]


def test_merged_cell_predicted_split_is_a_span_error(tmp_path: Path) -> None:
    truth = grid([["项目", None], ["合计", "6.20"]], spans=[(0, 0, 1, 2)])
    pred = grid([["项目", ""], ["合计", "6.20"]])
    m, doc, _ = run_one(tmp_path, [pred], truth_tables=[truth])
    assert m["content_acc"] == pytest.approx(2 / 3)
    assert m["content_acc_ignore_span"] == 1.0
    assert [e.kind for e in doc.tables[0].errors] == ["span"]


def test_missed_and_spurious_tables(tmp_path: Path) -> None:
    junk = grid([["页码", "1.00"]], page=2, title="")
    m, doc, _ = run_one(tmp_path, [copy.deepcopy(T1), junk])
    assert m["table_recall"] == 0.5 and m["table_precision"] == 0.5
    assert m["content_acc"] == pytest.approx(T1_FILLED / (T1_FILLED + 6))
    assert m["title_acc"] == 0.5
    assert [t.pred_index for t in doc.tables] == [0, None]


def test_tables_match_only_on_their_page(tmp_path: Path) -> None:
    moved = copy.deepcopy(T2)
    moved["page"] = 3
    m, _, _ = run_one(tmp_path, [copy.deepcopy(T1), moved])
    assert m["table_recall"] == 0.5


def test_greedy_matching_without_scipy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    other = grid([["项目", "金额"], ["合计", "9.99"]], page=1, title="")
    pred = [copy.deepcopy(other), copy.deepcopy(T1)]
    m, doc, _ = run_one(tmp_path, pred, truth_tables=[T1, other])
    assert m["table_recall"] == 1.0 and m["content_acc"] == 1.0
    assert [t.pred_index for t in doc.tables] == [1, 0]


def test_adjacency_skips_empty_cells_and_respects_spans() -> None:
    g = ev.parse_table(grid([["a", None, "b"], ["c", "", "d"]], spans=[(0, 0, 1, 2)]))
    assert ev.adjacency(g) == {("a", "b", "H"): 1, ("c", "d", "H"): 1, ("a", "c", "V"): 1, ("b", "d", "V"): 1}


def test_confidence_flags_the_wrong_cell(tmp_path: Path) -> None:
    pred = with_confidence([T1])
    wrong = next(c for c in pred[0]["cells"] if c["text"] == "60.99")
    wrong.update(text="60.09", confidence=0.5)
    _, _, rv = run_one(tmp_path, pred, truth_tables=[T1], threshold=0.9)
    assert rv is not None
    assert rv.cells == len(pred[0]["cells"]) and rv.wrong == 1
    assert rv.at_threshold.flagged == 1 and rv.at_threshold.wrong_flagged == 1
    assert rv.at_threshold.error_recall == 1.0
    assert rv.at_threshold.flagged_share == pytest.approx(1 / rv.cells)
    sweep = {p.threshold: p.error_recall for p in rv.sweep}
    assert sweep[0.5] == 0.0 and sweep[0.7] == 1.0


def test_review_threshold_defaults_to_the_documents(tmp_path: Path) -> None:
    pred = with_confidence([T1], 0.8)
    corpus = make_corpus(tmp_path / "corpus", {"doc-a": [T1]})
    write_json(tmp_path / "out" / "doc-a" / "document.json", document(pred, threshold=0.7))
    rv = ev.evaluate(corpus, tmp_path / "out").review()
    assert rv is not None and rv.at_threshold.threshold == 0.7 and rv.at_threshold.flagged == 0
    rv = ev.evaluate(corpus, tmp_path / "out", 0.9).review()
    assert rv is not None and rv.at_threshold.flagged == rv.cells


def test_no_confidences_means_no_review(tmp_path: Path) -> None:
    _, _, rv = run_one(tmp_path, copy.deepcopy([T1, T2]))
    assert rv is None


def test_pairing_by_name_file_and_sha256(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", {"doc-a": [T1], "doc-b": [T2], "doc-c": [T2], "doc-d": [T1]})
    out = tmp_path / "out"
    sha_c = hashlib.sha256(SCAN + b"doc-c").hexdigest()
    write_json(out / "doc-a" / "document.json", document([T1]))
    write_json(out / "doc-b.json", {"document": "doc-b", "tables": [T2]})
    write_json(out / "scan-17" / "document.json", document([T2], sha=sha_c.upper()))
    write_json(out / "decoy" / "document.json", document([T1], sha="0" * 64))
    res = ev.evaluate(corpus, out)
    got = {d.id: (Path(d.prediction).relative_to(out).as_posix() if d.prediction else None, d.note)
           for d in res.documents}
    assert got == {"doc-a": ("doc-a/document.json", ""), "doc-b": ("doc-b.json", ""),
                   "doc-c": ("scan-17/document.json", ""), "doc-d": (None, "no prediction")}
    by_id = {d.id: ev.metrics(d.tally) for d in res.documents}
    assert by_id["doc-c"]["content_acc"] == 1.0
    assert by_id["doc-d"]["table_recall"] == 0.0 and by_id["doc-d"]["content_acc"] == 0.0


def test_overall_is_micro_averaged(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", {"doc-a": [T1], "doc-b": [T2]})
    write_json(tmp_path / "out" / "doc-a.json", {"tables": [T1]})  # doc-b missing
    res = ev.evaluate(corpus, tmp_path / "out")
    assert ev.metrics(res.tally)["content_acc"] == pytest.approx(T1_FILLED / (T1_FILLED + 6))


def test_cli_eval_prints_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = make_corpus(tmp_path / "corpus", {"doc-a": [T1, T2]})
    pred = with_confidence([T1, T2])
    pred[1]["cells"][-1].update(text="0.02", confidence=0.3)
    write_json(tmp_path / "out" / "doc-a" / "document.json", document(pred, threshold=0.9))
    out_json = tmp_path / "res.json"
    rc = cli.main(["eval", "--truth", str(corpus), "--pred", str(tmp_path / "out"), "--json", str(out_json),
                   "--show-errors", "5"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "OVERALL" in text and "doc-a" in text and "review @T=0.9" in text
    assert "truth='0.01' pred='0.02'" in text
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["overall"]["content_acc"] == pytest.approx(21 / 22)
    assert data["overall"]["review"]["at_threshold"]["error_recall"] == 1.0
    assert data["documents"]["doc-a"]["tables"][1]["errors"][0]["pred"] == "0.02"


def test_cli_eval_bad_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").mkdir()
    rc = cli.main(["eval", "--truth", str(tmp_path / "nothing"), "--pred", str(tmp_path / "out")])
    assert rc != 0
    assert "manifest.json" in capsys.readouterr().err


@pytest.mark.skipif(not (CORPUS / "manifest.json").is_file(), reason="shared corpus not available")
def test_corpus_truth_as_prediction_scores_100(tmp_path: Path) -> None:
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    for d in manifest["documents"]:
        truth = json.loads((CORPUS / d["id"] / d.get("truth", "truth.json")).read_text(encoding="utf-8"))
        write_json(tmp_path / f"{d['id']}.json", truth)
    res = ev.evaluate(CORPUS, tmp_path)
    m = ev.metrics(res.tally)
    assert res.tally.gt_cells > 0
    assert m["content_acc"] == 1.0 and m["table_recall"] == 1.0 and m["adjacency_f1"] == 1.0
