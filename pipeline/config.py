"""Validated, frozen pipeline configuration (picklable, passed explicitly to every hook)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PipelineConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    dpi: float = Field(200.0, gt=30, le=1200, description="render resolution for PDF pages")
    review_threshold: float = Field(0.9, ge=0, le=1, description="cells below this confidence need review")
    ocr_engine: str = Field("ppocr-onnx", description="name of the OcrEngine to use")
    ocr_threads: int = Field(0, ge=0, description="ONNX Runtime intra-op threads (0 = library default)")
    ocr_model_dir: str | None = Field(None, description="model folder of the paddleocr engine (models/README.md)")
    force_ocr: bool = False
    max_pixels: int = Field(200_000_000, gt=0, description="refuse larger images (decompression bombs)")
    min_table_width_frac: float = Field(0.15, gt=0, le=1)
    write_csv: bool = True
    # what a document's folder gets besides document.json (pipeline/outputs/; docs/outputs.md)
    formats: tuple[Literal["csv", "xlsx", "html", "datapackage"], ...] = Field(
        ("csv",), description="csv: tables/*.csv + records.csv; xlsx: <name>.xlsx; html: report.html; "
                              "datapackage: datapackage.json (+ records.csv)")
    csv_bom: bool = Field(False, description="UTF-8 byte order mark on the CSVs (Excel reads them as UTF-8)")
    csv_excel: bool = Field(False, description="CSVs for double-clicking in Excel: BOM, codes kept as text")
    csv_header: bool = Field(False, description="title and unit rows above each table CSV's grid")
    timings: bool = Field(False, description="add each page's seconds per pipeline stage to document.json")
