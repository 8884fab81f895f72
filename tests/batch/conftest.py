from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLES = ROOT / "samples"
PNG = SAMPLES / "demo-budget-2025" / "scan.png"
PDF = SAMPLES / "demo-final-2024" / "scan.pdf"


@pytest.fixture
def call_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Load the test plugin in every worker and log which inputs get opened."""
    log = tmp_path / "calls.log"
    monkeypatch.setenv("FISCALSCAN_EXTRA_PLUGINS", "crash_plugin")
    monkeypatch.setenv("FISCALSCAN_TEST_CALL_LOG", str(log))
    return log


def opened(log: Path) -> list[str]:
    return sorted(log.read_text(encoding="utf-8").split()) if log.exists() else []


def copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst
