"""One output-name rule for ``run`` and ``batch`` (pipeline.inputs): the same input tree gets the same folder
names from both commands, and batch's names of earlier versions are kept (so ``batch --resume`` finds them)."""

from __future__ import annotations

from pathlib import Path

from pipeline.batch import output_name, output_names
from pipeline.cli import output_names as run_names


def _tree(root: Path, rels: list[str]) -> list[Path]:
    paths = []
    for rel in rels:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
        paths.append(p)
    return paths


def test_run_over_a_folder_names_like_batch(tmp_path: Path) -> None:
    rels = ["a/b/scan.pdf", "a/scan.pdf", "x.pdf", "x.png", "c/d.tif"]
    paths = _tree(tmp_path / "in", rels)
    from_run = run_names(paths, [str(tmp_path / "in")])
    from_batch = output_names(rels)
    assert from_run == [from_batch[r] for r in rels] == ["a__b__scan", "a__scan", "x.pdf", "x.png", "c__d"]


def test_batch_names_are_those_of_earlier_versions() -> None:
    # the names batch wrote before the rule was shared: a manifest's "output" still matches after an upgrade
    assert output_name("a/b/scan.pdf") == "a__b__scan"
    assert output_names(["a/b/x.pdf", "a/b__x.pdf", "y.pdf"]) == {
        "a/b/x.pdf": "a__b__x.pdf", "a/b__x.pdf": "a__b__x.pdf~2", "y.pdf": "y"}


def test_files_given_by_themselves(tmp_path: Path) -> None:
    one = _tree(tmp_path, ["scans/report.pdf"])
    assert run_names(one) == ["report"]  # a single file: its stem (bench/corpus.sh: OUT/run/<id>/scan)
    two = _tree(tmp_path, ["p/2024/scan.pdf", "q/2024/scan.pdf", "q/other.png"])
    assert run_names(two) == ["p__2024__scan", "q__2024__scan", "other"]
    # a file given by itself next to a folder holding a file of the same name
    mixed = _tree(tmp_path / "m", ["f/x.pdf", "x.pdf"])
    assert run_names(mixed, [str(tmp_path / "m" / "f")]) == ["f__x", "x"]
