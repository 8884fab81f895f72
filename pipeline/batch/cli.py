"""``fiscalscan batch``: the subcommand's flags (the pipeline flags shared with ``run`` come from
:mod:`pipeline.runargs`) and its command."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from pipeline.batch.plan import DEFAULT_TIMEOUT
from pipeline.batch.store import MANIFEST, LocalStore
from pipeline.errors import ConfigError
from pipeline.runargs import add_pipeline_args, check_out_dir, config_from_args


def cmd_batch(args: argparse.Namespace) -> int:
    from pipeline.batch.driver import run_batch
    from pipeline.batch.report import report

    if args.report:
        store = LocalStore(args.report, args.report)
        if not store.has_manifest():
            raise ConfigError(f"{args.report}: no {MANIFEST} here")
        text, code = report(store.read_manifest())
        print(text)
        return code
    if not args.input or not args.out:
        raise ConfigError("batch needs INPUT_DIR and --out OUT_DIR (or --report OUT_DIR)")
    cores = os.cpu_count() or 1
    workers = args.workers or cores
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    if args.ocr_threads is None:
        args.ocr_threads = max(1, cores // workers)
    config = config_from_args(args)
    check_out_dir(args.out)  # a file in its place: one line, exit 2, before any work
    store = LocalStore(args.input, args.out)
    resume = store.has_manifest() if args.resume is None else args.resume
    quiet = args.quiet or not sys.stderr.isatty()
    res = run_batch(store, config, workers=workers, resume=resume, timeout=args.timeout or None,
                    max_memory_mb=args.max_memory, ray_address=args.ray, progress=not quiet,
                    echo=(lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr)))
    from pipeline.outputs import OutputOptions
    from pipeline.outputs.cli import finish_run

    finish_run(store.out_root, OutputOptions.from_config(config))
    text, _ = report(store.read_manifest(), only=set(res.inputs))
    print(f"this run: {res.done} done, {res.failed} failed, {res.skipped} skipped, {res.pages} pages "
          f"in {res.wall_seconds:.1f} s")
    print(text)
    return res.exit_code


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    ap = subparsers.add_parser("batch", help="process a folder tree in parallel, resumably, with a manifest")
    ap.add_argument("input", nargs="?", metavar="INPUT_DIR", help="folder searched recursively for "
                    "PDF/PNG/JPEG/TIFF files")
    ap.add_argument("--out", "-o", metavar="OUT_DIR", help="output folder (gets manifest.jsonl)")
    ap.add_argument("--workers", "-j", type=int, help="worker processes (default: CPU count)")
    ap.add_argument("--resume", action=argparse.BooleanOptionalAction, default=None,
                    help="skip inputs already done with the same content and config (default: on when "
                         "OUT_DIR/manifest.jsonl exists)")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                    help=f"seconds per document before its worker is killed (default {DEFAULT_TIMEOUT:g}; "
                         "0 = none)")
    ap.add_argument("--max-memory", type=int, metavar="MB", help="address-space limit per worker")
    ap.add_argument("--ray", metavar="ADDRESS", help="run on Ray: 'auto' or ray://host:port "
                    "(pip install 'fiscalscan[ray]')")
    ap.add_argument("--report", metavar="OUT_DIR", help="print the summary of OUT_DIR's manifest and exit")
    add_pipeline_args(ap, threads_help="ONNX Runtime threads per worker (default: cores // workers)",
                      quiet_help="no progress bar or notes")
    ap.set_defaults(func=cmd_batch)
    return ap
