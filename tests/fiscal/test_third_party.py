"""A table type from a separately installed package: built as a wheel, installed with pip into its own folder,
discovered through the ``fiscalscan.plugins`` entry point, and run by the CLI on a sample."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow

MODULE = '''
"""Demo third-party recogniser: claims 财政拨款收支预算总表 as its own type, reusing the spec machinery."""
from typing import ClassVar

from pipeline import hookimpl
from pipeline.tabletypes import ColumnRule, SpecRecognizer, TypeSpec


class DemoRecognizer(SpecRecognizer):
    name: ClassVar[str] = "demo-types"
    specs = (TypeSpec("demo.fiscal_overview", "budget", title_all=(("财政拨款收支预算总表",),),
                      columns=(ColumnRule("income_item", ("项目",), within=("收入",)),
                               ColumnRule("income_amount", ("预算数",), within=("收入",))),
                      checks=("items",)),)

    def score(self, table):
        return 1.0 if super().score(table) > 0 else 0.0


@hookimpl
def register_recognizers():
    return [DemoRecognizer]
'''


def build_wheel(dest: Path) -> Path:
    name, version = "fiscalscan_demo_types", "0.1"
    files = {
        f"{name}/__init__.py": MODULE,
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: fiscalscan-demo-types\n"
                                               f"Version: {version}\n",
        f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                            "Tag: py3-none-any\n",
        f"{name}-{version}.dist-info/entry_points.txt": f"[fiscalscan.plugins]\ndemo-types = {name}\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
    return wheel


def test_third_party_recogniser_installed_with_pip_types_a_table(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(site),
                    str(wheel)], check=True, timeout=120)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    listing = subprocess.run([sys.executable, "-m", "pipeline.cli", "plugins"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert "demo-types" in listing.stdout and "register_recognizers" in listing.stdout
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(SAMPLES / "demo-budget-2025" / "scan.png"),
                           "--out", str(out), "-q"], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads((out / "scan" / "document.json").read_text(encoding="utf-8"))
    (table,) = doc["tables"]
    assert table["type"] == "demo.fiscal_overview"
    assert table["columns"] == {"0": "income_item", "1": "income_amount"}
    keyed = [r for r in table["records"] if r["column"]]
    assert keyed and all(r["column"] == "income_amount" for r in keyed)
    # the columns the plugin does not name keep their numbers, keyed by their printed labels
    assert all(r["label"] for r in table["records"] if not r["column"])
    assert any(c["rule"].startswith("items:") and c["status"] == "pass" for c in table["checks"])
    # without the package the built-in type is used
    plain = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(SAMPLES / "demo-budget-2025" / "scan.png"),
                            "--out", str(tmp_path / "plain"), "-q"], capture_output=True, text=True, timeout=600)
    assert plain.returncode == 0
    assert json.loads((tmp_path / "plain" / "scan" / "document.json").read_text(encoding="utf-8")
                      )["tables"][0]["type"] == "budget.fiscal_summary"
