"""``fiscalscan run`` on hostile inputs and outputs (issue 11): symlink loops, --out that is a file, disk full,
inputs sharing a stem.  Each case gives one line per failed document, the other inputs are processed."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.cli import main, output_names
from tests.diskfull import full_disk


def small_page(path: Path) -> Path:
    """A tiny page with a little text and no table: processed in about a second."""
    img = np.full((300, 400), 255, np.uint8)
    cv2.putText(img, "123", (50, 150), cv2.FONT_HERSHEY_SIMPLEX, 1, 0, 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)
    return path


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error:")]


def test_symlink_loop_argument_is_one_line_and_others_run(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    good = small_page(tmp_path / "in" / "good.png")
    loop = tmp_path / "in" / "loop.pdf"
    os.symlink(loop.name, loop)
    out = tmp_path / "out"
    code = main(["run", str(loop), str(good), "--out", str(out), "-q"])
    text = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in text.out + text.err
    (line,) = error_lines(text.out)
    assert "loop.pdf" in line and "symlink loop" in line
    assert (out / "good" / "document.json").is_file()
    # the total counts the input that could not be opened as a failed document
    total = text.out.strip().splitlines()[-1]
    assert total.startswith("total: 2 document(s) (1 failed), 1 pages, "), total


def test_total_line_counts_inputs_never_opened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small_page(tmp_path / "in" / "a.png")
    small_page(tmp_path / "in" / "b.png")
    os.mkfifo(tmp_path / "in" / "pipe.pdf")
    os.symlink("self.png", tmp_path / "in" / "self.png")
    code = main(["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q"])
    text = capsys.readouterr().out
    assert code == 1 and len(error_lines(text)) == 2
    total = text.strip().splitlines()[-1]
    assert total.startswith("total: 4 document(s) (2 failed), 2 pages, "), total


def test_symlink_loop_inside_a_folder_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small_page(tmp_path / "in" / "good.png")
    os.symlink("self.png", tmp_path / "in" / "self.png")
    code = main(["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q"])
    text = capsys.readouterr().out
    assert code == 1 and "self.png: symlink loop" in text
    assert (tmp_path / "out" / "good" / "document.json").is_file()


@pytest.mark.parametrize("kind", ["file", "file-parent"])
def test_out_that_is_a_file_is_refused_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       kind: str) -> None:
    page = small_page(tmp_path / "a.png")
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    out = blocker if kind == "file" else blocker / "sub"
    calls: list[str] = []
    import pipeline.runner as runner

    real = runner.process_document
    try:
        runner.process_document = lambda *a, **k: calls.append("x") or real(*a, **k)  # type: ignore[assignment]
        code = main(["run", str(page), "--out", str(out), "-q"])
    finally:
        runner.process_document = real  # type: ignore[assignment]
    text = capsys.readouterr()
    assert code == 2 and not calls
    assert text.err.count("\n") == 1 and str(blocker) in text.err and "Traceback" not in text.err


def test_disk_full_fails_each_document_with_one_line(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    a = small_page(tmp_path / "in" / "a.png")
    b = small_page(tmp_path / "in" / "b.png")
    with full_disk(tmp_path / "full", folders=("out",)) as disk:
        code = main(["run", str(a), str(b), "--out", str(disk / "out"), "-q"])
        text = capsys.readouterr()
        left = sorted(p.name for p in (disk / "out").iterdir())
    assert code == 1
    lines = error_lines(text.out)
    assert len(lines) == 2, text.out
    assert "a.png" in lines[0] and "b.png" in lines[1]
    assert all("No space left on device" in line for line in lines)
    assert "Traceback" not in text.out + text.err
    assert left == []  # no half-written document folder left behind


def test_inputs_sharing_a_stem_in_one_folder_get_distinct_outputs(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    png = small_page(tmp_path / "scans" / "x.png")
    tif = tmp_path / "scans" / "x.tif"
    cv2.imwrite(str(tif), cv2.imread(str(png), cv2.IMREAD_GRAYSCALE))
    assert output_names([png, tif]) == ["x.png", "x.tif"]
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "scans"), "--out", str(out), "-q"]) == 0
    sources = {p.parent.name: p.read_text(encoding="utf-8") for p in out.glob("*/document.json")}
    assert sorted(sources) == ["x.png", "x.tif"]
    assert "x.png" in sources["x.png"] and "x.tif" in sources["x.tif"]
    # the same inputs get the same names in the next run (resume finds its outputs again)
    assert output_names([png, tif]) == output_names([png, tif])


def test_output_name_rule() -> None:
    names = output_names([Path("/s/a-b/c.png"), Path("/s/a/b-c.png"), Path("/t/c.png")])
    assert len(set(names)) == 3
    assert output_names([Path("/a/pdf/scan.pdf"), Path("/b/pdf/scan.pdf"), Path("/c/other.png")]) == [
        "a__pdf__scan", "b__pdf__scan", "other"]
