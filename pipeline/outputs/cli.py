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
        if "xlsx" in args.formats:  # say so before any document is processed (exit 3), not after the first
            from pipeline.plugin_manager import require

            require("openpyxl", "xlsx")
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


def add_export_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--format", "--formats", dest="formats", type=formats_arg, metavar="LIST",
                    help=f"comma-separated, from {{{','.join(FORMATS)}}} (default: csv): besides the reviewed "
                         "CSVs and JSON, xlsx writes <doc>.reviewed.xlsx, html report.reviewed.html (and "
                         "OUT/index.html), datapackage datapackage.reviewed.json")


def export_formats(out_dir: Path, summaries: list[dict[str, Any]], formats: tuple[str, ...] | None
                   ) -> list[Path]:
    """The reviewed workbook / report / data package of every exported document (from its
    document.reviewed.json: corrected values, records and checks computed again)."""
    import json

    from pipeline.outputs import write_formats

    if not formats:
        return []
    options = OutputOptions(formats=formats)
    written: list[Path] = []
    for s in summaries:
        path = Path(s["path"])
        document = json.loads(path.read_text(encoding="utf-8"))
        written += write_formats(path.parent, document, s["document"], options, reviewed=True,
                                 source_roots=(out_dir,))
    index = finish_run(out_dir, options)
    return [*written, *([index] if index else [])]
