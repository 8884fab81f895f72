"""End to end: the real pipeline (real PP-OCRv6 weights) on the bundled samples, through the CLI."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main, output_names
from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow


def _truth(doc: str) -> dict:  # type: ignore[type-arg]
    return json.loads((SAMPLES / doc / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    out = tmp_path_factory.mktemp("out")
    bad = tmp_path_factory.mktemp("bad") / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\n")  # truncated
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(SAMPLES / "demo-final-2024" / "scan.pdf"),
                           str(bad), str(SAMPLES / "demo-budget-2025" / "scan.png"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    return out, proc.returncode, proc.stdout + proc.stderr


def _cells(table: dict) -> dict[tuple[int, int], dict]:  # type: ignore[type-arg]
    return {(c["row"], c["col"]): c for c in table["cells"]}


def test_exit_code_and_summary_lines(run_out) -> None:  # type: ignore[no-untyped-def]
    out, code, log = run_out
    assert code == 1  # one document failed
    assert "broken.pdf" in log and "corrupt or truncated PDF" in log
    assert "Traceback" not in log
    assert "3 pages, 2 tables" in log
    assert not (out / "broken").exists()  # no partial output for the bad file
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging leftovers


@pytest.mark.parametrize("doc", ["demo-final-2024", "demo-budget-2025"])
def test_tables_match_the_sample_truth(run_out, doc: str) -> None:  # type: ignore[no-untyped-def]
    out, _, _ = run_out
    result = json.loads((out / f"{doc}__scan" / "document.json").read_text(encoding="utf-8"))
    truth = _truth(doc)
    assert result["schema"] == "fiscalscan.document/1"
    assert [(t["page"], t["n_rows"], t["n_cols"], t["continued"]) for t in result["tables"]] == \
        [(t["page"], t["n_rows"], t["n_cols"], t["continued"]) for t in truth["tables"]]
    wrong = total = 0
    for got, want in zip(result["tables"], truth["tables"], strict=False):
        gc = _cells(got)
        for pos, cell in _cells(want).items():
            assert (gc[pos]["rowspan"], gc[pos]["colspan"]) == (cell["rowspan"], cell["colspan"])
            total += 1
            if gc[pos]["text"].replace(" ", "") != cell["text"].replace(" ", ""):
                wrong += 1
                assert gc[pos]["needs_review"], f"wrong cell {pos} not flagged: {gc[pos]['text']!r}"
        assert got["title"] == want["title"]
    assert wrong <= 0.02 * total
    # every grid position covered exactly once
    for t in result["tables"]:
        covered = [(r, c) for cell in t["cells"] for r in range(cell["row"], cell["row"] + cell["rowspan"])
                   for c in range(cell["col"], cell["col"] + cell["colspan"])]
        assert sorted(covered) == [(r, c) for r in range(t["n_rows"]) for c in range(t["n_cols"])]


def test_upside_down_page_recorded(run_out) -> None:  # type: ignore[no-untyped-def]
    out, _, _ = run_out
    doc = json.loads((out / "demo-budget-2025__scan" / "document.json").read_text(encoding="utf-8"))
    assert doc["pages"][0]["rotation"] == 180
    assert abs(doc["pages"][0]["skew"] - 2.0) < 0.3


def test_csv_is_the_printed_grid(run_out) -> None:  # type: ignore[no-untyped-def]
    out, _, _ = run_out
    doc = json.loads((out / "demo-final-2024__scan" / "document.json").read_text(encoding="utf-8"))
    t = doc["tables"][0]
    rows = list(csv.reader((out / "demo-final-2024__scan" / "tables" / f"{t['id']}.csv").open(encoding="utf-8")))
    assert len(rows) == t["n_rows"] and all(len(r) == t["n_cols"] for r in rows)
    for c in t["cells"]:
        assert rows[c["row"]][c["col"]] == c["text"]


def test_text_page_has_no_tables(run_out) -> None:  # type: ignore[no-untyped-def]
    out, _, _ = run_out
    doc = json.loads((out / "demo-final-2024__scan" / "document.json").read_text(encoding="utf-8"))
    assert doc["pages"][0]["tables"] == 0 and doc["pages"][0]["status"] == "ok"


def test_plugins_command_lists_every_hook(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    hooks = {h for p in listed for h in p["hooks"]}
    assert {"open_document", "estimate_orientation", "get_ocr_engine", "detect_grids", "build_table",
            "register_recognizers"} <= hooks


def test_output_names_are_unique() -> None:
    names = output_names([Path("a/pdf/scan.pdf"), Path("b/pdf/scan.pdf"), Path("c/other.png")])
    assert names == ["a__pdf__scan", "b__pdf__scan", "other"]


def test_missing_file_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "nope.pdf"), "--out", str(tmp_path / "o"), "-q"]) == 1
    err = capsys.readouterr().out
    assert "nope.pdf: No such file or directory" in err and err.count("\n") == 1


@pytest.mark.parametrize(("doc", "type_id"), [("demo-final-2024", "final.expenditure"),
                                              ("demo-budget-2025", "budget.fiscal_summary")])
def test_typed_tables_records_and_checks(run_out, doc: str, type_id: str) -> None:  # type: ignore[no-untyped-def]
    """The samples' arithmetic holds, so on a clean read every check passes and records.csv has every amount."""
    out, _, _ = run_out
    result = json.loads((out / f"{doc}__scan" / "document.json").read_text(encoding="utf-8"))
    assert {t["type"] for t in result["tables"]} == {type_id}
    assert result["check_summary"]["pass"] >= 5 and result["check_summary"]["fail"] == 0
    with (out / f"{doc}__scan" / "records.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    amounts = [c["text"] for t in _truth(doc)["tables"] for c in t["cells"]
               if c["text"].replace(",", "").replace(".", "").isdigit() and "." in c["text"]]
    values = [r for r in rows if r["status"] == "value"]
    assert len(values) == len(amounts)
    assert {r["table_type"] for r in rows} == {type_id}
    assert all(r["unit"] for r in values)  # read from the caption
    # a continued table is one logical table: its records name the head
    assert len({r["table"] for r in rows}) == 1
