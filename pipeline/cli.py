"""``fiscalscan`` command line: run, plugins, eval (and subcommands contributed by other modules)."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.clihelp import RunTotals, polish, quiet_broken_pipe
from pipeline.config import PipelineConfig
from pipeline.errors import PipelineError
from pipeline.outputs import OutputOptions
from pipeline.outputs.cli import finish_run
from pipeline.runargs import INPUT_SUFFIXES, add_pipeline_args, check_out_dir, config_from_args

log = logging.getLogger("fiscalscan")

#: Modules that add subcommands: each has ``add_parser(subparsers)`` setting ``func`` on its parser.
SUBCOMMAND_MODULES: tuple[str, ...] = ("pipeline.evaluate.cli", "pipeline.review.cli", "pipeline.batch.cli")


def expand_inputs(items: Iterable[str]) -> list[Path]:
    """Files as given, and the supported files inside given folders (recursively, sorted); paths that are not
    regular files are left out (see :func:`pipeline.inputs.expand` for the lines saying why)."""
    from pipeline.inputs import expand

    return expand(items, INPUT_SUFFIXES)[0]


def output_names(paths: Sequence[Path], given: Iterable[str] = ()) -> list[str]:
    """Output folder name per input, unique within the run, by the rule of :mod:`pipeline.inputs` (the same as
    ``batch``'s): a file found in a given folder is named by its path below that folder, a file given by
    itself by its stem ("in/a/x.pdf" -> "a__x"; "a/pdf/scan.pdf", "b/pdf/scan.pdf" -> "a__pdf__scan", ...)."""
    from pipeline.inputs import is_dir, unique_names

    folders = sorted((Path(os.path.abspath(g)) for g in given if is_dir(Path(g))), key=lambda f: -len(f.parts))
    absolute = [Path(os.path.abspath(p)) for p in paths]
    roots = [next((f for f in folders if p.is_relative_to(f)), None) for p in absolute]
    return unique_names(absolute, roots)


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.inputs import expand
    from pipeline.plugin_manager import PluginManager
    from pipeline.runner import process_document

    config = config_from_args(args)
    inputs, problems = expand(args.inputs, INPUT_SUFFIXES)
    if not inputs and not problems:
        print("fiscalscan: no input files found", file=sys.stderr)
        return 2
    check_out_dir(args.out)
    for line in problems:
        print(f"error: {line}", flush=True)
    pm = PluginManager()
    names = output_names(inputs, args.inputs)
    failed = len(problems)
    totals = RunTotals()
    totals.add_failed(len(problems))
    progress = _progress(enabled=sys.stderr.isatty() and not args.quiet)
    with progress:
        for path, name in zip(inputs, names, strict=False):
            task = progress.add_task(path.name, total=None)

            def on_page(done: int, total: int, task: int = task) -> None:
                progress.update(task, completed=done, total=total)

            s = _process_one(process_document, path, args.out, config, pm, name, on_page)
            progress.remove_task(task)
            totals.add(s)
            if s.status == "ok":
                extra = f", {s.page_errors} page error(s): {s.error}" if s.page_errors else ""
                progress.console.print(
                    f"{path}: {s.pages} pages, {s.tables} tables, {s.cells} cells, {s.review_cells} need review, "
                    f"{s.checks_failed} failed checks, {s.seconds:.1f} s -> {s.out_dir}{extra}",
                    markup=False, highlight=False, soft_wrap=True)
            else:
                failed += 1
                progress.console.print(f"error: {s.error}", markup=False, highlight=False, style="red",
                                       soft_wrap=True)
    finish_run(args.out, OutputOptions.from_config(config))
    if totals.documents > 1 or not failed:  # a single bad input stays a one-line error
        progress.console.print(totals.line(), markup=False, highlight=False, soft_wrap=True)
    return 1 if failed else 0


def _process_one(process_document: Any, path: Path, out: str, config: PipelineConfig, pm: Any, name: str,
                 on_page: Any) -> Any:
    """``process_document``, with anything it raises (a bug, an OS error it did not expect) turned into a
    failed summary, so one document never stops the others."""
    from pipeline.runner import DocumentSummary, one_line

    try:
        return process_document(path, out, config, pm=pm, name=name, on_page=on_page)
    except Exception as exc:
        log.debug("%s failed", path, exc_info=True)
        return DocumentSummary(path=str(path), name=name, status="failed",
                               error=f"{path}: {type(exc).__name__}: {one_line(exc)}")


class _NullProgress:
    """Stand-in for rich's Progress when stderr is not a terminal (summary lines still print)."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(file=sys.stdout, highlight=False, soft_wrap=True, width=10_000)

    def __enter__(self) -> _NullProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, *a: object, **k: object) -> int:
        return 0

    def update(self, *a: object, **k: object) -> None:
        return None

    def remove_task(self, *a: object) -> None:
        return None


def _progress(enabled: bool):  # type: ignore[no-untyped-def]
    if not enabled:
        return _NullProgress()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("pages"),
                    TimeElapsedColumn(), console=Console(stderr=True), transient=True)


def cmd_plugins(args: argparse.Namespace) -> int:
    from pipeline.plugin_manager import PluginManager

    pm = PluginManager()
    plugins = pm.list_plugins()
    if args.json:
        print(json.dumps(plugins, ensure_ascii=False, indent=1))
        return 0
    for p in plugins:
        print(f"{p['name']} ({p['module']}{', ' + p['version'] if p['version'] else ''})")
        if p["unavailable"]:
            print(f"    unavailable: {p['unavailable']}")
        for h in p["hooks"]:
            print(f"    {h}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="fiscalscan", description="Tables out of scanned disclosure documents.")
    ap.add_argument("--version", action="version", version=f"fiscalscan {__version__}")
    ap.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    sub = ap.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="extract every table of the given PDFs/images")
    run.add_argument("inputs", nargs="+", help="PDF, PNG, JPEG, TIFF files or folders")
    run.add_argument("--out", "-o", default="out", help="output folder (default: out)")
    add_pipeline_args(run, threads_help="ONNX Runtime threads (default: library default)",
                      quiet_help="no progress bar")
    run.set_defaults(func=cmd_run)

    plugins = sub.add_parser("plugins", help="list registered plugins and their hook implementations")
    plugins.add_argument("--json", action="store_true", help="one JSON list instead of text")
    plugins.set_defaults(func=cmd_plugins)

    for dotted in SUBCOMMAND_MODULES:
        importlib.import_module(dotted).add_parser(sub)
    polish(ap, sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's final flush
        return code
    except BrokenPipeError:
        return quiet_broken_pipe()
    except PipelineError as exc:
        print(f"fiscalscan: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("fiscalscan: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
