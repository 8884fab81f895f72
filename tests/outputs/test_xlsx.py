"""The workbook, read back with openpyxl: merged ranges, codes as text, amounts as numbers with the printed
decimals, comments on flagged cells, typed records, checks, summary; and LibreOffice opens it."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.outputs.conftest import NAME

openpyxl = pytest.importorskip("openpyxl")


def _book(out: Path, name: str = f"{NAME}.xlsx") -> Any:
    return openpyxl.load_workbook(out / NAME / name)


def test_sheets_and_table_layout(written: Path) -> None:
    wb = _book(written)
    assert wb.sheetnames == ["summary", "records", "checks", "p001-t1"]
    ws = wb["p001-t1"]
    assert ws["A1"].value == "支出决算表" and "单位：万元" in ws["A2"].value
    merged = {str(r) for r in ws.merged_cells.ranges}
    # grid starts on row 4: 科目编码 spans 3 columns, 科目名称 and 本年支出合计 span 2 rows
    assert merged == {"A4:C4", "D4:D5", "E4:E5"}
    assert ws["A4"].value == "科目编码"
    # codes stay text with their leading zero; amounts are numbers shown as printed
    assert (ws["B7"].value, ws["B7"].data_type, ws["B7"].number_format) == ("06", "s", "@")
    assert (ws["C8"].value, ws["C8"].data_type) == ("01", "s")
    assert ws["A8"].value == "201" and ws["A8"].data_type == "s"
    assert ws["E6"].value == pytest.approx(1046.09) and ws["E6"].data_type == "n"
    assert ws["E6"].number_format == "#,##0.00"


def test_flagged_cell_has_fill_and_comment(written: Path) -> None:
    ws = _book(written)["p001-t1"]
    flagged = ws["E7"]  # the 款 total that fails its check, confidence 0.62
    assert flagged.value == pytest.approx(1046.90)
    assert flagged.fill.fgColor.rgb.endswith("F8CBAD")
    note = flagged.comment.text
    assert "confidence 0.62" in note and "hierarchy:" in note and "fail" in note
    assert "suggestion: 1,046.09" in note and "stray-punctuation-removed" in note
    # confident cells carry no comment and no fill
    assert ws["E6"].comment is None and ws["E6"].fill.fill_type is None
    commented = [c.coordinate for row in ws.iter_rows() for c in row if c.comment]
    assert commented == ["E7"]


def test_records_checks_and_summary(written: Path) -> None:
    wb = _book(written)
    rec = wb["records"]
    head = [c.value for c in rec[1]]
    rows = [dict(zip(head, [c.value for c in r], strict=True)) for r in rec.iter_rows(min_row=2)]
    assert len(rows) == 3 and rec.auto_filter.ref == rec.dimensions
    by_code = {r["subject_code"]: r for r in rows}
    assert set(by_code) == {"201", "20106", "2010601"}
    assert isinstance(by_code["20106"]["value"], float) and by_code["20106"]["value"] == pytest.approx(1046.90)
    assert by_code["2010601"]["level"] == "项" and by_code["201"]["page"] == 1
    assert rec.cell(2, head.index("subject_code") + 1).data_type == "s"
    checks = wb["checks"]
    chead = [c.value for c in checks[1]]
    assert chead == ["rule", "table", "cells", "expected", "found", "difference", "status"]
    statuses = [r[6].value for r in checks.iter_rows(min_row=2)]
    assert statuses == ["fail", "fail"]
    assert isinstance(checks["D2"].value, float)
    summary = {r[0].value: r[1].value for r in wb["summary"].iter_rows(min_row=2, max_row=16)}
    assert summary["tables"] == 1 and summary["cells needing review"] == 1 and summary["checks failed"] == 2
    link = next(c for row in wb["summary"].iter_rows() for c in row if c.value == "p001-t1")
    assert link.hyperlink.location == "'p001-t1'!A1" or "p001-t1" in (link.hyperlink.target or "")


def _soffice(conv: Path, target: str, book: Path) -> subprocess.CompletedProcess[str]:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
    res = subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{conv}/profile",
                          "--convert-to", target, "--outdir", str(conv), str(book)],
                         capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr
    return res


def test_libreoffice_opens_the_workbook(written: Path, tmp_path: Path) -> None:
    """Debian's LibreOffice Calc (when installed) converts every sheet; values and text codes come out intact;
    and the workbook it saves again still has every sheet, merged range, comment, fill and text code: a file
    Calc had to repair would lose what it could not read."""
    book = written / NAME / f"{NAME}.xlsx"
    conv = tmp_path / "lo"
    res = _soffice(conv, 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1', book)
    sheets = {p.stem.removeprefix(f"{NAME}-"): p for p in conv.glob("*.csv")}
    assert set(sheets) == {"summary", "records", "checks", "p001-t1"}, res.stdout
    rows = list(csv.reader(sheets["p001-t1"].open(encoding="utf-8")))
    assert rows[0][0] == "支出决算表"
    assert rows[7][:5] == ["201", "06", "01", "行政运行", "1,046.09"]
    saved = conv / "resaved"
    _soffice(saved, "xlsx:Calc MS Excel 2007 XML", book)
    original, again = _book(written), openpyxl.load_workbook(saved / f"{NAME}.xlsx")
    assert again.sheetnames == original.sheetnames
    for name in original.sheetnames:
        assert ({str(r) for r in again[name].merged_cells.ranges}
                == {str(r) for r in original[name].merged_cells.ranges}), name
    ws = again["p001-t1"]
    assert [c.coordinate for row in ws.iter_rows() for c in row if c.comment] == ["E7"]
    assert "confidence 0.62" in ws["E7"].comment.text and ws["E7"].fill.fgColor.rgb.endswith("F8CBAD")
    assert (ws["B7"].value, ws["B7"].data_type) == ("06", "s")
    assert ws["E6"].value == pytest.approx(1046.09) and ws["E6"].number_format == "#,##0.00"
    assert again["records"].auto_filter.ref == original["records"].auto_filter.ref
