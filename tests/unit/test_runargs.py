"""``run`` and ``batch`` share one definition of the pipeline flags (pipeline/runargs.py): the same options,
types and defaults, so a flag added for one is there for the other and means the same."""

from __future__ import annotations

import argparse

from pipeline.cli import build_parser
from pipeline.runargs import add_pipeline_args, config_from_args


def _sub(name: str) -> argparse.ArgumentParser:
    ap = build_parser()
    sub = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def _flags(ap: argparse.ArgumentParser) -> dict[str, tuple[object, ...]]:
    return {a.dest: (tuple(a.option_strings), a.type, a.default, a.nargs, a.const) for a in ap._actions
            if a.option_strings and a.dest != "help"}


def test_run_and_batch_share_the_pipeline_flags() -> None:
    shared = argparse.ArgumentParser()
    add_pipeline_args(shared, threads_help="", quiet_help="")
    want = _flags(shared)
    assert {"dpi", "review_threshold", "ocr_engine", "ocr_threads", "ocr_model_dir", "force_ocr", "timings",
            "quiet", "formats", "csv_bom", "csv_excel", "csv_header"} <= set(want)
    for command in ("run", "batch"):
        got = _flags(_sub(command))
        assert {k: got[k] for k in want} == want, command


def test_the_same_flags_make_the_same_config() -> None:
    argv = ["--dpi", "300", "--review-threshold", "0.8", "--force-ocr", "--timings", "--formats", "csv,html"]
    run = config_from_args(build_parser().parse_args(["run", "x.pdf", *argv]))
    batch = config_from_args(build_parser().parse_args(["batch", "in", "--out", "o", *argv]))
    assert run == batch
    assert (run.dpi, run.review_threshold, run.force_ocr, run.timings, run.formats) == (
        300.0, 0.8, True, True, ("csv", "html"))
