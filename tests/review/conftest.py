"""Fixtures for the review server: a hand-written output folder with two documents and PNG sources."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

ROOT = Path(__file__).resolve().parents[2]
W, H = 420, 240
COLS = [20, 140, 280, 400]
ROWS = [20, 80, 140, 200]
TEXTS = [["项目", "预算数", "决算数"], ["一、收入", "1200", "1180"], ["二、支出", "900", "950"]]


def make_page(path: Path) -> None:
    img = np.full((H, W), 255, np.uint8)
    for x in COLS:
        cv2.line(img, (x, ROWS[0]), (x, ROWS[-1]), 0, 2)
    for y in ROWS:
        cv2.line(img, (COLS[0], y), (COLS[-1], y), 0, 2)
    for r in range(3):
        for c in range(3):
            cv2.putText(img, f"r{r}c{c}", (COLS[c] + 10, ROWS[r] + 40), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
    cv2.imwrite(str(path), img)


def make_table(tid: str, confidences: dict[tuple[int, int], float],
               checks: list[dict[str, Any]] | None = None, threshold: float = 0.9) -> dict[str, Any]:
    cells = []
    for r in range(3):
        for c in range(3):
            conf = confidences.get((r, c), 0.99)
            cells.append({"row": r, "col": c, "rowspan": 1, "colspan": 1, "text": TEXTS[r][c],
                          "confidence": conf, "needs_review": conf < threshold,
                          "bbox": [COLS[c], ROWS[r], COLS[c + 1], ROWS[r + 1]]})
    table = {"id": tid, "page": 1, "bbox": [COLS[0], ROWS[0], COLS[-1], ROWS[-1]], "title": "收支表",
             "continued": False, "type": "generic", "n_rows": 3, "n_cols": 3, "cells": cells}
    if checks is not None:
        table["checks"] = checks
    return table


def write_doc(out: Path, name: str, tables: list[dict[str, Any]], source: Path) -> Path:
    doc = {"schema": "fiscalscan.document/1",
           "source": {"path": str(source), "sha256": "0" * 64, "pages": 1}, "review_threshold": 0.9,
           "pages": [{"page": 1, "width": W, "height": H, "dpi": 200, "rotation": 0, "skew": 0.0}],
           "tables": tables}
    (out / name).mkdir(parents=True, exist_ok=True)
    (out / name / "document.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return out / name / "document.json"


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    src = tmp_path / "scan.png"
    make_page(src)
    out = tmp_path / "out"
    checks = [{"rule": "sum", "cells": [[2, 2], {"row": 1, "col": 2}], "expected": "1180", "found": "950",
               "difference": 230, "status": "fail"}]
    write_doc(out, "alpha", [make_table("p001-t1", {(1, 1): 0.5, (2, 2): 0.85, (1, 2): 0.95}, checks)], src)
    write_doc(out, "beta", [make_table("p001-t1", {(2, 1): 0.3, (1, 1): 0.7})], src)
    return out


@pytest.fixture
def make_client(out_dir: Path) -> Callable[..., Any]:
    from fastapi.testclient import TestClient

    from pipeline.review.server import ReviewSettings, create_app

    def make(token: str | None = None, reviewer: str = "alice") -> TestClient:
        return TestClient(create_app(ReviewSettings(out_dir, token=token, reviewer=reviewer)))

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(out_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    cmd = [sys.executable, "-m", "pipeline.cli", "review", str(out_dir), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/config", timeout=1).read()
            return proc, base
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("review server exited") from None
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("review server did not start")


@pytest.fixture(name="start_server")
def start_server_fixture() -> Callable[[Path], tuple[subprocess.Popen, str]]:
    """Start ``fiscalscan review`` on a free loopback port as a subprocess; returns (process, base URL)."""
    return start_server


@pytest.fixture(name="make_table")
def make_table_fixture() -> Callable[..., dict[str, Any]]:
    return make_table
