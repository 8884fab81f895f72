"""Batch storage: the input tree, the output folder, its manifest (one JSON line per attempt) and lock; all
file I/O of a batch goes through :class:`BatchStore` so an object-storage backend can be added later."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from pipeline.errors import ConfigError, PipelineError
from pipeline.inputs import not_a_file
from pipeline.runargs import INPUT_SUFFIXES

MANIFEST = "manifest.jsonl"
LOCK = ".batch.lock"
BATCH_SUFFIXES = frozenset(INPUT_SUFFIXES - {".bmp"})  # PDF, PNG, JPEG, TIFF


class BatchStore(Protocol):
    """Where a batch reads its inputs and writes its outputs and manifest."""

    #: Local folder the pipeline writes document folders into (workers need a path they can write).
    out_root: Path

    def list_inputs(self) -> list[str]:
        """Relative POSIX paths of the supported input files, sorted."""

    def local_path(self, rel: str) -> Path:
        """A local file the pipeline can open for input ``rel``."""

    def sha256(self, rel: str) -> str: ...

    def output_exists(self, name: str) -> bool:
        """Whether a published (complete) output folder ``name`` exists."""

    def read_manifest(self) -> list[dict[str, Any]]: ...

    def append_manifest(self, record: dict[str, Any]) -> None:
        """Append one record durably (flush + fsync) before returning."""

    def has_manifest(self) -> bool: ...

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Exclusive lock: one batch per output at a time."""

    def clean_staging(self) -> list[str]:
        """Remove staging folders left by a killed run; returns their names."""


class ManifestError(PipelineError):
    """The manifest could not be written (disk full, read-only...): the run cannot record its results."""


class LocalStore:
    def __init__(self, in_root: str | Path, out_root: str | Path) -> None:
        self.in_root = Path(in_root).resolve()
        self.out_root = Path(out_root).resolve()
        #: "rel: reason" of the entries with a supported suffix that are not regular files (FIFO, device,
        #: symlink loop): listed by :meth:`list_inputs`, never opened
        self.not_files: list[str] = []

    def list_inputs(self) -> list[str]:
        if not self.in_root.is_dir():
            raise ConfigError(f"{self.in_root}: not a folder")
        out: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.in_root):
            here = Path(dirpath)
            # skip hidden folders and the output folder when it lies inside the input
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and (here / d).resolve() != self.out_root)
            for f in filenames:
                if not f.startswith(".") and Path(f).suffix.lower() in BATCH_SUFFIXES:
                    rel = (here / f).relative_to(self.in_root).as_posix()
                    why = not_a_file(here / f)
                    if why is None:
                        out.append(rel)
                    else:
                        self.not_files.append(f"{rel}: {why}")
        return sorted(out)

    def local_path(self, rel: str) -> Path:
        return self.in_root / rel

    def sha256(self, rel: str) -> str:
        from pipeline.runner import sha256_of

        why = not_a_file(self.local_path(rel))  # it may have been replaced by a pipe since it was listed
        if why is not None:
            raise OSError(0, why)
        return sha256_of(str(self.local_path(rel)))

    def output_exists(self, name: str) -> bool:
        return (self.out_root / name / "document.json").is_file()

    @property
    def manifest_path(self) -> Path:
        return self.out_root / MANIFEST

    def has_manifest(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> list[dict[str, Any]]:
        if not self.has_manifest():
            return []
        return parse_manifest(self.manifest_path.read_bytes())

    def append_manifest(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            self.out_root.mkdir(parents=True, exist_ok=True)
            with open(self.manifest_path, "a", encoding="utf-8") as f:
                # a torn last line from a killed run would glue onto ours: start on a fresh line
                if f.tell() > 0 and not _ends_with_newline(self.manifest_path):
                    f.write("\n")
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise ManifestError(f"{self.manifest_path}: cannot record {record.get('input')} "
                                f"({record.get('status')}): {exc.strerror or exc}; batch stopped, inputs not "
                                "recorded as done are redone by the next run") from None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        self.out_root.mkdir(parents=True, exist_ok=True)
        with open(self.out_root / LOCK, "w") as f:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigError(f"{self.out_root}: another fiscalscan batch is writing here") from None
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def clean_staging(self) -> list[str]:
        removed = []
        if not self.out_root.is_dir():
            return removed
        for entry in self.out_root.iterdir():
            if entry.is_dir() and entry.name.startswith(".") and (
                    entry.name.endswith(".partial") or ".old-" in entry.name):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
        return removed


def parse_manifest(data: bytes) -> list[dict[str, Any]]:
    """The records of a manifest's bytes.  A line torn by a crash mid-write (cut JSON, or cut inside a UTF-8
    character of a file name) is ignored: its input is simply redone."""
    records = []
    for raw in data.split(b"\n"):
        try:
            rec = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(rec, dict):
            records.append(rec)
    return records


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"
