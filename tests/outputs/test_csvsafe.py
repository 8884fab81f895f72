"""Excel-safe CSV options: BOM, codes as text formulas, title/unit rows; the default stays plain UTF-8."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.export import write_document
from pipeline.outputs import OutputOptions
from pipeline.outputs.csvsafe import excel_cell
from tests.outputs.conftest import NAME


def _rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding=encoding))))


def test_default_is_plain_utf8(tmp_path: Path, document: dict) -> None:  # type: ignore[type-arg]
    write_document(tmp_path, NAME, document)
    table = tmp_path / NAME / "tables" / "p001-t1.csv"
    assert not table.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _rows(table)
    assert rows[0] == ["科目编码", "", "", "科目名称", "本年支出合计"]
    assert rows[4] == ["201", "06", "01", "行政运行", "1,046.09"]
    assert not (tmp_path / NAME / f"{NAME}.xlsx").exists() and not (tmp_path / NAME / "report.html").exists()


def test_bom_and_header_rows(tmp_path: Path, document: dict) -> None:  # type: ignore[type-arg]
    write_document(tmp_path, NAME, document, outputs=OutputOptions(csv_bom=True, csv_header=True))
    table = tmp_path / NAME / "tables" / "p001-t1.csv"
    assert table.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _rows(table, "utf-8-sig")
    assert rows[0] == ["支出决算表"] and rows[1] == ["单位：万元"]
    assert rows[2] == ["科目编码", "", "", "科目名称", "本年支出合计"]
    records = _rows(tmp_path / NAME / "records.csv", "utf-8-sig")
    assert records[0][0] == "document" and {r[5] for r in records[1:]} == {"201", "20106", "2010601"}


def test_excel_mode_keeps_codes_as_text(tmp_path: Path, document: dict) -> None:  # type: ignore[type-arg]
    write_document(tmp_path, NAME, document, outputs=OutputOptions(csv_excel=True))
    raw = (tmp_path / NAME / "tables" / "p001-t1.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = _rows(tmp_path / NAME / "tables" / "p001-t1.csv", "utf-8-sig")
    assert rows[4] == ["201", '="06"', '="01"', "行政运行", "1,046.09"]


def test_excel_cell_rules() -> None:
    assert excel_cell("06") == '="06"' and excel_cell("0") == "0" and excel_cell("201") == "201"
    assert excel_cell("201060101234") == '="201060101234"'  # 12+ digits: Excel would show 2.01E+11
    assert excel_cell("=1+1") == "'=1+1" and excel_cell("@SUM") == "'@SUM" and excel_cell("-") == "-"
    assert excel_cell("1,046.09") == "1,046.09" and excel_cell("行政运行") == "行政运行"
