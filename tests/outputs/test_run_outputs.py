"""`fiscalscan run --formats csv,xlsx,html,datapackage` on a real scan (real OCR): every format is there, the
folder has umask modes (0755/0644 under 022), the report shows the page, and run ends with its total line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_run_writes_every_format_with_normal_modes(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    res = subprocess.run(["sh", "-c", 'umask 022 && exec "$@"', "sh", sys.executable, "-m", "pipeline.cli", "run",
                          str(SAMPLES / "demo-budget-2025" / "scan.png"), "--out", str(out),
                          "--formats", "csv,xlsx,html,datapackage"],
                         capture_output=True, text=True, timeout=600, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    last = res.stdout.strip().splitlines()[-1]
    assert last.startswith("total: 1 document(s), 1 pages, 1 tables, ") and last.endswith("pages/min"), last
    doc = out / "scan"
    for name in ("document.json", "records.csv", "scan.xlsx", "report.html", "datapackage.json"):
        assert (doc / name).is_file(), name
    assert list((doc / "tables").glob("*.csv"))
    for p in [out, *out.rglob("*")]:
        want = 0o755 if p.is_dir() else 0o644
        assert stat.S_IMODE(p.stat().st_mode) == want, (p, oct(p.stat().st_mode))
    html = (doc / "report.html").read_text(encoding="utf-8")
    assert 'id="page-1"' in html and "data:image/jpeg;base64," in html and 'table class="grid"' in html
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="scan/report.html"' in index and 'href="scan/scan.xlsx"' in index
