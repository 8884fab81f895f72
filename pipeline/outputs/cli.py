"""Command-line options of the output formats, shared by ``run``, ``batch`` and ``export``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipeline.outputs import FORMATS, OutputOptions, parse_formats


def formats_arg(text: str) -> tuple[str, ...]:
    try:
        return parse_formats(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_output_args(ap: argparse.ArgumentParser, csv_options: bool = True) -> None:
    ap.add_argument("--formats", type=formats_arg, metavar="LIST",
                    help=f"comma-separated outputs per document, from {{{','.join(FORMATS)}}} (default: csv); "
                         "document.json is always written; html also writes OUT/index.html")
    if not csv_options:
        return
    ap.add_argument("--csv-bom", action="store_true",
                    help="start the CSVs with a UTF-8 byte order mark (Excel then reads them as UTF-8)")
    ap.add_argument("--csv-excel", action="store_true",
                    help="CSVs to double-click in Excel: BOM, codes like 06 kept as text (=\"06\")")
    ap.add_argument("--csv-header", action="store_true",
                    help="title and unit rows above each table CSV's grid (2 rows)")


def output_values(args: argparse.Namespace) -> dict[str, Any]:
    """PipelineConfig values of the output options given on the command line."""
    values: dict[str, Any] = {}
    if getattr(args, "formats", None):
        values["formats"] = args.formats
    for key in ("csv_bom", "csv_excel", "csv_header"):
        if getattr(args, key, False):
            values[key] = True
    return values


def finish_run(out_root: str | Path, options: OutputOptions) -> Path | None:
    """After a run or batch: the output folder's index.html when reports were asked for."""
    if "html" not in options.formats or not Path(out_root).is_dir():
        return None
    from pipeline.outputs.index import write_index

    return write_index(Path(out_root))
