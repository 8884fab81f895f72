"""kill -9 the review server in the middle of a burst of corrections: every acknowledged one survives."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pipeline.review.store import ReviewStore


def post(base: str, body: dict) -> int:
    req = urllib.request.Request(base + "/api/corrections", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_acknowledged_corrections_survive_kill_9(out_dir: Path, start_server):
    proc, base = start_server(out_dir)
    cells = [(d, r, c) for d in ("alpha", "beta") for r in range(3) for c in range(3)]
    versions = dict.fromkeys(cells, 0)
    acked: list[tuple[tuple[str, int, int], str]] = []
    enough = threading.Event()

    def killer() -> None:
        enough.wait(60)
        os.kill(proc.pid, signal.SIGKILL)

    t = threading.Thread(target=killer)
    t.start()
    try:
        for i in range(2000):
            cell = cells[i % len(cells)]
            text = f"v{i}"
            body = {"document": cell[0], "table": "p001-t1", "row": cell[1], "col": cell[2], "text": text,
                    "action": "correct", "version": versions[cell], "reviewer": "k"}
            try:
                status = post(base, body)
            except OSError:
                break  # the server is gone
            if status == 200:
                versions[cell] += 1
                acked.append((cell, text))
            if len(acked) == 40:
                enough.set()
    finally:
        enough.set()
        t.join()
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 40

    proc2, base2 = start_server(out_dir)
    try:
        store = ReviewStore(out_dir)
        for (doc, r, c), text in acked:
            history = [h.new_text for h in store.history((doc, "p001-t1", r, c))]
            assert text in history, (doc, r, c, text)
        # the restarted server serves the latest acknowledged value of each cell
        for doc, r, c in {cell for cell, _ in acked}:
            url = f"{base2}/api/documents/{doc}/cells/p001-t1/{r}/{c}"
            with urllib.request.urlopen(url, timeout=5) as resp:
                value = json.loads(resp.read())["value"]
            assert value == store.history((doc, "p001-t1", r, c))[-1].new_text
    finally:
        proc2.kill()
        proc2.wait(10)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_acknowledged_structure_edits_survive_kill_9(tmp_path: Path, start_server):
    """A burst of grid edits (merge the streaked column, split it again, set a column role, …) against a live
    server killed with SIGKILL: every edit it acknowledged is in the store, in order, and the restarted server
    replays them all."""
    from pipeline.plugin_manager import PluginManager
    from tests.review.typed import STREAK_WIDTHS, X0, write_streaked

    out = tmp_path / "out"
    write_streaked(out, "doc", tmp_path / "scan.png", PluginManager())
    proc, base = start_server(out)
    cycle = [("merge_cols", {"first": 0, "last": 1}), ("column_role", {"col": 0, "role": "code_lei"}),
             ("split_col", {"col": 0, "at": X0 + STREAK_WIDTHS[0]}), ("grid_ok", {})]
    acked: list[tuple[int, str, dict]] = []
    enough = threading.Event()

    def killer() -> None:
        enough.wait(120)
        os.kill(proc.pid, signal.SIGKILL)

    t = threading.Thread(target=killer)
    t.start()
    try:
        for i in range(2000):
            op, args = cycle[i % len(cycle)]
            body = {"document": "doc", "table": "p001-t1", "op": op, "args": args, "version": len(acked),
                    "reviewer": "k"}
            try:
                req = urllib.request.Request(base + "/api/structure", data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"}, method="POST")
                with urllib.request.urlopen(req, timeout=30) as r:
                    version = json.loads(r.read())["edit"]["version"]
            except urllib.error.HTTPError as exc:
                raise AssertionError(f"edit {i} refused: {exc.code}") from None
            except OSError:
                break  # the server is gone
            acked.append((version, op, args))
            if len(acked) == 24:
                enough.set()
    finally:
        enough.set()
        t.join()
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 24

    stored = ReviewStore(out).structure_edits("doc")
    assert [(e.version, e.op, e.arguments()) for e in stored[: len(acked)]] == [
        (v, op, {k: (float(a) if k == "at" else a) for k, a in args.items()}) for v, op, args in acked]
    proc2, base2 = start_server(out)
    try:
        with urllib.request.urlopen(f"{base2}/api/documents/doc/view", timeout=60) as resp:
            view = json.loads(resp.read())
        assert view["structure_version"] == len(stored) and view["stale_structure_edits"] == []
        n_cols = 7 if stored[-1].op in ("merge_cols", "column_role") else 8
        assert view["tables"][0]["n_cols"] == n_cols
    finally:
        proc2.kill()
        proc2.wait(10)
