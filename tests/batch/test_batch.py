"""fiscalscan batch: failures, resume, changed inputs, kill -9, crashing/hanging workers, report."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import HERE, PDF, PNG, ROOT, copy, opened

from pipeline.batch import LocalStore, last_records, output_name, output_names, plan, report
from pipeline.cli import main
from pipeline.config import PipelineConfig


def manifest(out: Path) -> list[dict[str, Any]]:
    return LocalStore(out, out).read_manifest()


def statuses(out: Path) -> dict[str, str]:
    return {k: v["status"] for k, v in last_records(manifest(out)).items()}


def batch(inp: Path, out: Path, *extra: str) -> int:
    return main(["batch", str(inp), "--out", str(out), "--workers", "2", "--ocr-threads", "1", "-q", *extra])


def test_output_names() -> None:
    assert output_name("a/b/scan.pdf") == "a__b__scan"
    assert output_names(["x/scan.pdf", "x/scan.png", "y.tif"]) == {
        "x/scan.pdf": "x__scan.pdf", "x/scan.png": "x__scan.png", "y.tif": "y"}


def test_largest_documents_are_dispatched_first(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    for name, size in (("a.pdf", 10), ("b.pdf", 3000), ("c.png", 300), ("d.pdf", 3000)):
        (inp / name).write_bytes(b"x" * size)
    todo, skip, bad = plan(LocalStore(inp, tmp_path / "out"), PipelineConfig(), resume=False)
    assert [j.rel for j in todo] == ["b.pdf", "d.pdf", "c.png", "a.pdf"] and not skip and not bad


def test_report_groups_failures_and_ignores_torn_line(tmp_path: Path) -> None:
    lines = [
        {"input": "a.pdf", "status": "failed", "error": "/x/a.pdf: empty file"},
        {"input": "b.pdf", "status": "failed", "error": "/x/b.pdf: empty file"},
        {"input": "c.pdf", "status": "done", "pages": 4, "seconds": 2.0, "cells_needing_review": 3,
         "checks_failed": 2, "started": 10.0, "finished": 12.0, "run": "r"},
        {"input": "a.pdf", "status": "done", "pages": 2, "seconds": 1.0, "cells_needing_review": 1,
         "started": 10.0, "finished": 11.0, "run": "r"},
    ]
    (tmp_path / "manifest.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in lines) + '{"input": "d.pdf", "sta', encoding="utf-8")
    text, code = report(manifest(tmp_path))
    assert code == 1
    assert "3 inputs: 2 done, 1 failed" in text
    assert "1 x empty file: b.pdf" in text
    assert "cells needing review: 4" in text
    assert "failed arithmetic checks: 2 in 1 document(s): c.pdf (2)" in text
    assert "pages/s" in text


def test_batch_failures_resume_and_changed_input(tmp_path: Path, call_log: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    copy(PNG, inp / "budget" / "scan.png")
    copy(PDF, inp / "final" / "scan.pdf")
    copy(PDF, inp / "corrupt.pdf").write_bytes(PDF.read_bytes()[:2000])
    (inp / "empty.png").write_bytes(b"")
    (inp / "notes.txt").write_text("not an input")

    assert batch(inp, out) == 1
    st = statuses(out)
    assert st == {"budget/scan.png": "done", "final/scan.pdf": "done", "corrupt.pdf": "failed",
                  "empty.png": "failed"}
    recs = last_records(manifest(out))
    for rel in ("corrupt.pdf", "empty.png"):
        err = recs[rel]["error"]
        assert err and "\n" not in err and Path(rel).name in err
    done = recs["final/scan.pdf"]
    assert done["pages"] == 3 and done["tables"] >= 1 and done["output"] == "final__scan"
    assert done["config_hash"] and done["sha256"] and done["fiscalscan_version"]
    assert "ocr-ppocr-onnx" in done["plugins"] and "crash_plugin" in done["plugins"]
    assert (out / "final__scan" / "document.json").is_file()
    assert (out / "budget__scan" / "document.json").is_file()
    assert sorted(opened(call_log)) == ["corrupt.pdf", "empty.png", "scan.pdf", "scan.png"]
    capsys.readouterr()

    # resume (default on: the manifest exists): the done documents are not opened again
    call_log.unlink()
    mtime = (out / "final__scan" / "document.json").stat().st_mtime_ns
    assert batch(inp, out) == 1
    assert opened(call_log) == ["corrupt.pdf", "empty.png"]  # what the resume skipped, shown by what it opened
    assert statuses(out)["final/scan.pdf"] == "skipped"
    assert (out / "final__scan" / "document.json").stat().st_mtime_ns == mtime

    # a changed input is redone; --report prints the summary from the manifest
    call_log.unlink()
    (inp / "corrupt.pdf").unlink()
    (inp / "empty.png").unlink()
    png = inp / "budget" / "scan.png"
    png.write_bytes(png.read_bytes() + b"\0")
    assert batch(inp, out) == 0
    assert opened(call_log) == ["scan.png"]
    st = statuses(out)
    assert st["budget/scan.png"] == "done" and st["final/scan.pdf"] == "skipped"
    capsys.readouterr()
    assert main(["batch", "--report", str(out)]) == 1  # corrupt/empty: last record still failed
    text = capsys.readouterr().out
    assert "failures by reason" in text and "cells needing review" in text


def test_crashing_and_hanging_workers_are_replaced(tmp_path: Path, call_log: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    copy(PNG, inp / "a-crashme.png")
    copy(PNG, inp / "b-hangme.png")
    copy(PNG, inp / "c-ok.png")
    copy(PNG, inp / "d-ok.png")
    assert batch(inp, out, "--timeout", "15") == 1  # generous: a loaded machine must not time out c, d
    recs = last_records(manifest(out))
    assert recs["a-crashme.png"]["status"] == "failed"
    assert "worker crashed (exit code 13)" in recs["a-crashme.png"]["error"]
    assert recs["b-hangme.png"]["status"] == "failed"
    assert "timed out after 15 s" in recs["b-hangme.png"]["error"]
    assert recs["c-ok.png"]["status"] == "done" and recs["d-ok.png"]["status"] == "done"
    assert (out / "c-ok" / "document.json").is_file()


def test_kill_9_then_resume(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    for i in range(5):
        copy(PNG, inp / f"copy{i}.png")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    env.pop("FISCALSCAN_EXTRA_PLUGINS", None)
    cmd = [sys.executable, "-m", "pipeline.cli", "batch", str(inp), "--out", str(out), "--workers", "2",
           "--ocr-threads", "1", "-q"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(r.get("status") == "done" for r in manifest(out)):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("no document finished within 60 s")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = manifest(out)
    done_before = {r["input"] for r in first if r.get("status") == "done"}
    assert done_before
    for r in first:  # nothing marked done without its published folder
        if r["status"] == "done":
            assert not r["output"].startswith(".")
            assert (out / r["output"] / "document.json").is_file()

    res = subprocess.run([*cmd, "--resume"], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    records = manifest(out)
    second = records[len(first):]
    for r in second:
        if r["input"] in done_before:
            assert r["status"] == "skipped", r
    assert set(statuses(out).values()) <= {"done", "skipped"}
    assert len(statuses(out)) == 5
    for r in last_records(records).values():
        assert (out / r["output"] / "document.json").is_file()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.is_dir()]


def test_no_inputs_and_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    assert batch(tmp_path / "in", tmp_path / "out") == 0
    assert batch(tmp_path / "nope", tmp_path / "out2") == 2


def test_second_batch_on_same_out_is_refused(tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "in").mkdir()
    with open(out / ".batch.lock", "w") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        assert batch(tmp_path / "in", out) == 2
