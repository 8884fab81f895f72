"""``fiscalscan batch`` hardening (issue 11): a manifest that cannot be written fails the run, a torn UTF-8
manifest line is tolerated, FIFOs and devices in the input are never read, same-stem inputs stay apart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pipeline.batch import LocalStore, last_records, output_names, plan
from pipeline.cli import main
from pipeline.config import PipelineConfig
from tests.diskfull import full_disk


def batch(inp: Path, out: Path, *extra: str) -> int:
    return main(["batch", str(inp), "--out", str(out), "--workers", "1", "--ocr-threads", "1", "-q", *extra])


def test_full_disk_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "bad.pdf").write_bytes(b"")  # fails fast: its "failed" line must still be recorded
    with full_disk(tmp_path / "full") as disk:
        code = batch(inp, disk / "out")
        text = capsys.readouterr()
    assert code != 0
    assert "No space left on device" in text.err and "manifest.jsonl" in text.err
    assert "Traceback" not in text.err + text.out
    assert "0 done, 0 failed" not in text.out


def test_unwritable_manifest_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same without a tmpfs: the manifest's place is taken by a folder, so every append fails."""
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "bad.pdf").write_bytes(b"")
    out = tmp_path / "out"
    (out / "manifest.jsonl").mkdir(parents=True)
    code = batch(inp, out, "--no-resume")
    text = capsys.readouterr()
    assert code != 0 and "cannot record bad.pdf" in text.err and text.err.count("\n") == 1


def test_manifest_torn_inside_a_utf8_character(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "预算.pdf").write_bytes(b"")
    out = tmp_path / "out"
    out.mkdir()
    done = {"input": "甲.pdf", "status": "failed", "error": "甲.pdf: empty file", "output": "甲"}
    torn = json.dumps({"input": "预算.pdf", "status": "done"}, ensure_ascii=False).encode()
    cut = torn.index("算".encode()) + 1  # power cut after the first byte of a 3-byte character
    (out / "manifest.jsonl").write_bytes(json.dumps(done, ensure_ascii=False).encode() + b"\n" + torn[:cut])
    records = LocalStore(out, out).read_manifest()
    assert [r["input"] for r in records] == ["甲.pdf"]
    assert main(["batch", "--report", str(out)]) == 1  # the failed input: a report, not a crash
    assert "1 inputs" in capsys.readouterr().out
    todo, _skip, _bad = plan(LocalStore(inp, out), PipelineConfig(), resume=True)
    assert [j.rel for j in todo] == ["预算.pdf"]  # the torn record's input is simply redone
    code = batch(inp, out, "--resume")
    assert code == 1 and "Traceback" not in capsys.readouterr().err
    assert last_records(LocalStore(out, out).read_manifest())["预算.pdf"]["status"] == "failed"


def test_fifo_and_device_are_never_read(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    os.mkfifo(inp / "pipe.pdf")
    os.symlink("/dev/zero", inp / "zero.png")
    os.symlink("loop.tif", inp / "loop.tif")
    (inp / "ok.pdf").write_bytes(b"%PDF-1.4\n")
    store = LocalStore(inp, tmp_path / "out")
    result: list[object] = []
    t = threading.Thread(target=lambda: result.append(plan(store, PipelineConfig(), resume=False)),
                         daemon=True)
    t.start()
    t.join(20)
    assert result, "planning hung on a FIFO or a device"
    todo, _skip, bad = result[0]  # type: ignore[misc]
    assert [j.rel for j in todo] == ["ok.pdf"] and not bad
    assert sorted(line.split(":")[0] for line in store.not_files) == ["loop.tif", "pipe.pdf", "zero.png"]
    assert any("named pipe" in line for line in store.not_files)
    assert any("device" in line for line in store.not_files)


def test_batch_with_a_fifo_finishes_and_says_so(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    os.mkfifo(inp / "pipe.pdf")
    (inp / "bad.pdf").write_bytes(b"")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "batch", str(inp), "--out", str(out), "--workers", "1",
                           "--ocr-threads", "1"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert proc.returncode == 1  # bad.pdf failed; the pipe is skipped, not read
    assert "skipped: pipe.pdf: named pipe" in proc.stderr
    assert set(last_records(LocalStore(out, out).read_manifest())) == {"bad.pdf"}


def test_same_stem_inputs_get_distinct_outputs() -> None:
    names = output_names(["scans/x.png", "scans/x.tif", "scans/y.pdf", "a__b/c.pdf", "a/b__c.pdf"])
    assert len(set(names.values())) == 5
    assert names["scans/x.png"] == "scans__x.png" and names["scans/y.pdf"] == "scans__y"


def test_out_that_is_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "bad.pdf").write_bytes(b"")
    (tmp_path / "taken").write_text("x")
    assert batch(inp, tmp_path / "taken") == 2
    err = capsys.readouterr().err
    assert "--out exists and is not a folder" in err and err.count("\n") == 1
