"""A finished document is durable before anyone can mark it done (issue 11, case 13): every file of the
staged folder and the folder itself are fsynced before the rename, and the parent after it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline import export, files


def test_files_and_folders_are_fsynced_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        events.append(("replace", f"{os.fspath(src)} -> {os.fspath(dst)}"))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    doc = {"schema": export.SCHEMA, "tables": [{"id": "p001-t1", "n_rows": 1, "n_cols": 1, "type": "generic",
                                                "cells": [{"row": 0, "col": 0, "text": "1"}]}]}
    out = tmp_path / "out"
    final = export.write_document(out, "doc", doc)
    rename = next(i for i, (kind, what) in enumerate(events) if kind == "replace" and what.endswith(str(final)))
    staging = events[rename][1].split(" -> ")[0]
    synced_before = {what for kind, what in events[:rename] if kind == "fsync"}
    for name in ("document.json", "records.csv", "tables/p001-t1.csv"):
        assert f"{staging}/{name}" in synced_before, name
    assert staging in synced_before and f"{staging}/tables" in synced_before
    assert ("fsync", str(out.resolve())) in events[rename + 1:]  # the rename itself made durable


def test_single_files_fsync_their_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")),
                                                       real(fd))[1])
    files.atomic_write_text(tmp_path / "a.txt", "x")
    assert synced[-1] == str(tmp_path.resolve())
