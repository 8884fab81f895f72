"""Output formats beyond document.json: Excel-safe CSV, an Excel workbook, a self-contained HTML report and a
Frictionless data package, all made from the document.json dict (so a reviewed document, whose cells carry the
reviewer's values, gives the same outputs with the corrections in).

Each writer is its own module, imported only when its format is asked for (openpyxl is an optional extra).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.config import PipelineConfig
    from pipeline.plugin_manager import PluginManager

#: formats a document's folder can get (document.json is always written)
FORMATS = ("csv", "xlsx", "html", "datapackage")
#: PipelineConfig fields that only choose outputs
OUTPUT_FIELDS = ("formats", "csv_bom", "csv_excel", "csv_header")


@dataclass(frozen=True, slots=True)
class OutputOptions:
    formats: tuple[str, ...] = ("csv",)
    csv_bom: bool = False
    csv_excel: bool = False  # BOM, and codes Excel would change (leading zeros, long digit runs) as ="06"
    csv_header: bool = False  # title and unit rows above a table CSV's grid

    @classmethod
    def from_config(cls, config: PipelineConfig) -> OutputOptions:
        return cls(formats=tuple(config.formats), csv_bom=config.csv_bom, csv_excel=config.csv_excel,
                   csv_header=config.csv_header)

    @property
    def bom(self) -> bool:
        return self.csv_bom or self.csv_excel

    @property
    def records_csv(self) -> bool:
        """records.csv is written for the csv format and for the data package that describes it."""
        return "csv" in self.formats or "datapackage" in self.formats


def parse_formats(text: str) -> tuple[str, ...]:
    """"csv,xlsx" -> ("csv", "xlsx"); raises ValueError naming the unknown ones and the choices."""
    items = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in items if f not in FORMATS]
    if unknown or not items:
        raise ValueError(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    return items


def unchanged_output_fields(config: PipelineConfig) -> set[str]:
    """The output fields of ``config`` left at their defaults."""
    fields = type(config).model_fields
    return {f for f in OUTPUT_FIELDS if getattr(config, f) == fields[f].default}


def workbook_name(name: str, reviewed: bool = False) -> str:
    return f"{name}.reviewed.xlsx" if reviewed else f"{name}.xlsx"


def report_name(reviewed: bool = False) -> str:
    return "report.reviewed.html" if reviewed else "report.html"


def datapackage_name(reviewed: bool = False) -> str:
    return "datapackage.reviewed.json" if reviewed else "datapackage.json"


def generated_names(name: str) -> set[str]:
    """Files a run (re)writes in a document's folder: never carried over from a previous run."""
    return {"document.json", "tables", "records.csv", workbook_name(name), report_name(), datapackage_name()}


def write_formats(folder: Path, document: dict[str, Any], name: str, options: OutputOptions,
                  pm: PluginManager | None = None, reviewed: bool = False,
                  source_roots: Iterable[Path] = ()) -> list[Path]:
    """Write the workbook, report and data package that ``options`` ask for into ``folder`` (a staging folder
    or the document's folder: each file is written atomically); returns their paths.  The CSV files themselves
    are written by :func:`pipeline.export.write_document` (and the reviewed export)."""
    written: list[Path] = []
    if "xlsx" in options.formats:
        from pipeline.outputs.xlsx import write_workbook

        written.append(write_workbook(folder / workbook_name(name, reviewed), document, name))
    if "html" in options.formats:
        from pipeline.outputs.report import write_report

        written.append(write_report(folder / report_name(reviewed), document, name, pm=pm,
                                    source_roots=source_roots))
    if "datapackage" in options.formats:
        from pipeline.outputs.datapackage import write_datapackage

        records = "records.reviewed.csv" if reviewed else "records.csv"
        if not reviewed or (folder / records).is_file():  # a document without typed tables has none
            written.append(write_datapackage(folder / datapackage_name(reviewed), document, name, records,
                                             options))
    return written
