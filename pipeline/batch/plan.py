"""Batch planning: a job per input (its output name, content hash), what a resumed batch skips, the order
of dispatch."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from pipeline.batch.store import BatchStore
from pipeline.config import PipelineConfig
from pipeline.inputs import unique_names
from pipeline.outputs import unchanged_output_fields

DEFAULT_TIMEOUT = 1800.0  # seconds per document before its worker is killed (--timeout)


@dataclasses.dataclass(frozen=True, slots=True)
class Job:
    rel: str
    name: str
    path: str
    sha256: str


def output_name(rel: str) -> str:
    """"a/b/scan.pdf" -> "a__b__scan" (before names are made unique: :func:`output_names`)."""
    return unique_names([PurePosixPath(rel)], [PurePosixPath()])[0]


def output_names(rels: Sequence[str]) -> dict[str, str]:
    """Unique output names of paths below INPUT_DIR, by the rule ``run`` uses too (:mod:`pipeline.inputs`); two
    inputs differing only in suffix ("x.pdf", "x.png") keep their suffix."""
    paths = [PurePosixPath(r) for r in rels]
    return dict(zip(rels, unique_names(paths, [PurePosixPath()] * len(paths)), strict=True))


def config_hash(config: PipelineConfig) -> str:
    # ocr_threads changes speed, not results: keep it out so resuming with other --workers does not redo
    # output options at their defaults are left out too, so hashes made before they existed still match
    # (per-stage timings, off by default, likewise)
    off = set() if config.timings else {"timings"}
    data = config.model_dump(mode="json", exclude={"ocr_threads", *unchanged_output_fields(config), *off})
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def last_records(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last record per input."""
    last: dict[str, dict[str, Any]] = {}
    for r in records:
        if "input" in r:
            last[r["input"]] = r
    return last



def plan(store: BatchStore, config: PipelineConfig, resume: bool
         ) -> tuple[list[Job], list[tuple[Job, dict[str, Any]]], list[tuple[str, str]]]:
    """Jobs to run, jobs to skip (with their last done record), and unreadable inputs (rel, reason)."""
    rels = store.list_inputs()
    names = output_names(rels)
    chash = config_hash(config)
    last = last_records(store.read_manifest()) if resume else {}
    todo: list[Job] = []
    skip: list[tuple[Job, dict[str, Any]]] = []
    unreadable: list[tuple[str, str]] = []
    for rel in rels:
        try:
            sha = store.sha256(rel)
        except OSError as exc:
            unreadable.append((rel, f"{rel}: {exc.strerror or exc}"))
            continue
        job = Job(rel=rel, name=names[rel], path=str(store.local_path(rel)), sha256=sha)
        prev = last.get(rel)
        if (prev is not None and prev.get("status") in ("done", "skipped") and prev.get("sha256") == sha
                and prev.get("config_hash") == chash and prev.get("output") == job.name
                and store.output_exists(job.name)):
            skip.append((job, prev))
        else:
            todo.append(job)
    return largest_first(todo, store), skip, unreadable


def largest_first(jobs: Sequence[Job], store: BatchStore) -> list[Job]:
    """Dispatch order: biggest input files first (a proxy for pages), so no worker is left alone with a long
    document at the end of the batch (longest-processing-time-first scheduling); ties keep path order."""

    def size(job: Job) -> int:
        try:
            return store.local_path(job.rel).stat().st_size
        except OSError:
            return 0

    return sorted(jobs, key=lambda j: -size(j))
