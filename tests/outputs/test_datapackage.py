"""datapackage.json describes records.csv and passes the frictionless validator (its CLI, as documented)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.export import write_document
from pipeline.outputs import OutputOptions
from tests.outputs.conftest import NAME

frictionless = pytest.importorskip("frictionless")


def _validate(package: Path) -> tuple[bool, str]:
    exe = shutil.which("frictionless", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the frictionless command is not installed (pip install 'fiscalscan[datapackage]')")
    res = subprocess.run([exe, "validate", package.name, "--json"], cwd=package.parent, capture_output=True,
                         text=True, timeout=120)
    return res.returncode == 0 and json.loads(res.stdout)["valid"], res.stdout + res.stderr


def test_descriptor_and_validation(written: Path) -> None:
    package = written / NAME / "datapackage.json"
    desc = json.loads(package.read_text(encoding="utf-8"))
    (res,) = desc["resources"]
    assert res["path"] == "records.csv" and res["profile"] == "tabular-data-resource"
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    header = (written / NAME / "records.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert list(fields) == header
    assert fields["value"]["type"] == "number" and fields["subject_code"]["type"] == "string"
    assert fields["page"]["type"] == "integer" and fields["status"]["constraints"]["enum"] == ["value", "na", "text"]
    assert "unit" in fields["value"]["description"] and "万元" in desc["description"]
    assert res["schema"]["primaryKey"] == ["document", "part", "row", "col", "column"]
    assert res["schema"]["missingValues"] == [""]
    ok, log = _validate(package)
    assert ok, log


def test_validator_catches_a_broken_records_file(written: Path) -> None:
    records = written / NAME / "records.csv"
    lines = records.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("1046.09", "about 1046", 1)  # a value that is not a number
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ok, log = _validate(written / NAME / "datapackage.json")
    assert not ok and "type-error" in log


def test_bom_csv_is_declared(tmp_path: Path, document: dict) -> None:  # type: ignore[type-arg]
    write_document(tmp_path, NAME, document, outputs=OutputOptions(formats=("datapackage",), csv_bom=True))
    folder = tmp_path / NAME
    assert not (folder / "tables").exists()  # datapackage alone: records.csv, no table CSVs
    assert (folder / "records.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    res = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]
    assert res["encoding"] == "utf-8-sig"
    ok, log = _validate(folder / "datapackage.json")
    assert ok, log
