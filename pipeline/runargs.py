"""What ``run`` and ``batch`` share on the command line: the pipeline flags (one definition for both), the
config they make, the output folder check and the input suffixes.  Output folder names: :mod:`pipeline.inputs`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipeline.clihelp import OCR_ENGINE_HELP
from pipeline.config import PipelineConfig
from pipeline.errors import PipelineError
from pipeline.outputs.cli import add_output_args, output_values

INPUT_SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})


def add_pipeline_args(ap: argparse.ArgumentParser, *, threads_help: str, quiet_help: str) -> None:
    """The flags that choose how documents are read and what is written, the same in ``run`` and ``batch``
    (only the help of --ocr-threads and -q differs: per worker in a batch)."""
    ap.add_argument("--dpi", type=float, help="render resolution for PDF pages (default 200)")
    ap.add_argument("--review-threshold", type=float, help="confidence below which a cell needs review (0.9)")
    ap.add_argument("--ocr-engine", help=OCR_ENGINE_HELP)
    ap.add_argument("--ocr-threads", type=int, help=threads_help)
    ap.add_argument("--ocr-model-dir", help="model folder for --ocr-engine paddleocr (see models/README.md)")
    ap.add_argument("--force-ocr", action="store_true",
                    help="OCR every page, also born-digital pages whose own text layer would be used")
    ap.add_argument("--timings", action="store_true",
                    help="add each page's seconds per pipeline stage to document.json (pages[].timings)")
    ap.add_argument("-q", "--quiet", action="store_true", help=quiet_help)
    add_output_args(ap)


def config_from_args(args: argparse.Namespace) -> PipelineConfig:
    values = {k: v for k, v in {
        "dpi": getattr(args, "dpi", None), "review_threshold": getattr(args, "review_threshold", None),
        "ocr_engine": getattr(args, "ocr_engine", None), "ocr_threads": getattr(args, "ocr_threads", None),
        "ocr_model_dir": getattr(args, "ocr_model_dir", None),
        "force_ocr": getattr(args, "force_ocr", None) or None, **output_values(args),
        "timings": getattr(args, "timings", None) or None,
    }.items() if v is not None}
    try:
        return PipelineConfig(**values)
    except Exception as exc:  # pydantic.ValidationError
        raise PipelineError(f"invalid option: {exc}") from None


def check_out_dir(raw: str) -> Path:
    """The output folder, created when missing; a one-line ConfigError (exit 2) before any work when it is a
    file or cannot be created."""
    from pipeline.errors import ConfigError

    out = Path(raw)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{raw}: --out exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{raw}: cannot create the output folder: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ConfigError(f"{raw}: output folder is not writable")
    return out
