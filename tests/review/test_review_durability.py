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
