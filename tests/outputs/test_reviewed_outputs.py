"""`fiscalscan export OUT --format xlsx,html,datapackage`: the reviewed workbook, report and data package carry
the reviewer's value, with records and checks computed again from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.export import write_document
from pipeline.review.store import ReviewStore
from tests.outputs.conftest import NAME

openpyxl = pytest.importorskip("openpyxl")


def test_export_formats_use_corrected_values(tmp_path: Path, document: dict, capsys) -> None:  # type: ignore[no-untyped-def,type-arg]
    out = tmp_path / "out"
    write_document(out, NAME, document)
    ReviewStore(out).record((NAME, "p001-t1", 3, 4), old_text="1,046.90", new_text="1,046.09", action="correct",
                            reviewer="alice", seen_version=0)
    assert main(["export", str(out), "--format", "xlsx,html,datapackage"]) == 0
    printed = capsys.readouterr().out
    folder = out / NAME
    for name in (f"{NAME}.reviewed.xlsx", "report.reviewed.html", "datapackage.reviewed.json"):
        assert (folder / name).is_file() and str(folder / name) in printed
    assert (out / "index.html").is_file()
    ws = openpyxl.load_workbook(folder / f"{NAME}.reviewed.xlsx")["p001-t1"]
    assert ws["E7"].value == pytest.approx(1046.09)  # the reviewer's value, as a number
    assert ws["E7"].fill.fgColor.rgb.endswith("E2EFDA") and "reviewed by alice" in ws["E7"].comment.text
    wb = openpyxl.load_workbook(folder / f"{NAME}.reviewed.xlsx")
    assert {r[6].value for r in wb["checks"].iter_rows(min_row=2)} == {"pass"}  # the correction balanced them
    values = {r[5].value: r[10].value for r in wb["records"].iter_rows(min_row=2)}
    assert values["20106"] == pytest.approx(1046.09)
    html = (folder / "report.reviewed.html").read_text(encoding="utf-8")
    assert "(reviewed)" in html and 'class="num reviewed"' in html
    package = json.loads((folder / "datapackage.reviewed.json").read_text(encoding="utf-8"))
    assert package["resources"][0]["path"] == "records.reviewed.csv"
    # the run's own outputs are untouched
    assert not (folder / f"{NAME}.xlsx").exists()


def test_unknown_format_is_a_usage_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exc:
        main(["export", str(tmp_path), "--format", "xlsx,pdf"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown format(s) pdf" in err and "csv, xlsx, html, datapackage" in err
