"""Published outputs get the modes the umask gives (0755/0644 under 022), not mkdtemp's private 0700/0600;
the folder is still swapped in atomically (no staging left behind)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.export import write_document
from pipeline.files import atomic_write_text
from pipeline.fsmodes import current_umask
from pipeline.outputs import OutputOptions
from tests.outputs.conftest import NAME

ALL = OutputOptions(formats=("csv", "xlsx", "html", "datapackage"))


@pytest.fixture(params=[0o022, 0o027])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}


def test_current_umask_reads_without_changing(umask: int) -> None:
    assert current_umask() == umask
    assert current_umask() == umask


def test_document_folder_modes(tmp_path: Path, document: dict, umask: int) -> None:  # type: ignore[type-arg]
    pytest.importorskip("openpyxl")
    out = tmp_path / "out"
    write_document(out, NAME, document, outputs=ALL)
    write_document(out, NAME, document, outputs=ALL)  # again: the re-run swaps the folder
    modes = _modes(out / NAME)
    files = {k for k in modes if (out / NAME / k).is_file()}
    assert {"document.json", "records.csv", f"{NAME}.xlsx", "report.html", "datapackage.json",
            "tables/p001-t1.csv"} <= files
    for rel, mode in modes.items():
        want = (0o777 if (out / NAME / rel).is_dir() else 0o666) & ~umask
        assert mode == want, (rel, oct(mode), oct(want))
    assert sorted(p.name for p in out.iterdir()) == [NAME]  # no .partial / .old leftovers


def test_atomic_single_file_mode(tmp_path: Path, umask: int) -> None:
    atomic_write_text(tmp_path / "x.json", "{}")
    assert stat.S_IMODE((tmp_path / "x.json").stat().st_mode) == 0o666 & ~umask


def test_reviewed_export_modes(tmp_path: Path, document: dict, umask: int) -> None:  # type: ignore[type-arg]
    from pipeline.review.reviewed import export_all

    out = tmp_path / "out"
    write_document(out, NAME, document)
    export_all(out)
    for rel in ("tables_reviewed", "tables_reviewed/p001-t1.csv", "document.reviewed.json", "records.reviewed.csv"):
        p = out / NAME / rel
        want = (0o777 if p.is_dir() else 0o666) & ~umask
        assert stat.S_IMODE(p.stat().st_mode) == want, rel
