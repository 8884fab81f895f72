"""API of the review server through FastAPI's TestClient."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest


def key(item: dict) -> tuple:
    return (item["document"], item["row"], item["col"])


def post(client, doc="alpha", row=1, col=1, text="1300", action="correct", version=0, **extra):
    body = {"document": doc, "table": "p001-t1", "row": row, "col": col, "text": text, "action": action,
            "version": version, **extra}
    return client.post("/api/corrections", json=body)


def test_queue_order_failed_checks_first_then_confidence(make_client):
    q = make_client().get("/api/queue").json()
    assert [key(i) for i in q] == [("alpha", 2, 2), ("alpha", 1, 2), ("beta", 2, 1), ("alpha", 1, 1),
                                   ("beta", 1, 1)]
    assert q[0]["failed_check"] and not q[2]["failed_check"]
    assert q[0]["failed_checks"] == ["sum: printed 1180, parts give 950 (difference 230)"]
    assert q[2]["failed_checks"] == []


def test_correction_persists_and_leaves_queue(make_client):
    c = make_client()
    r = post(c, text="1300")
    assert r.status_code == 200 and r.json()["correction"]["version"] == 1
    c2 = make_client()  # a fresh app over the same folder
    cell = c2.get("/api/documents/alpha/cells/p001-t1/1/1").json()
    assert (cell["value"], cell["state"], cell["version"], cell["text"]) == ("1300", "corrected", 1, "1200")
    assert ("alpha", 1, 1) not in [key(i) for i in c2.get("/api/queue").json()]
    docs = {d["name"]: d for d in c2.get("/api/documents").json()}
    assert docs["alpha"]["left"] == docs["alpha"]["to_review"] - 1


def test_stale_version_gets_409_and_keeps_value(make_client):
    alice, bob = make_client(reviewer="alice"), make_client(reviewer="bob")
    assert post(alice, text="1300", version=0).status_code == 200
    r = post(bob, text="9999", version=0)
    assert r.status_code == 409
    assert r.json()["current"]["new_text"] == "1300" and r.json()["current"]["reviewer"] == "alice"
    assert alice.get("/api/documents/alpha/cells/p001-t1/1/1").json()["value"] == "1300"
    assert post(bob, text="1301", version=1).status_code == 200


def test_two_reviewers_different_cells_both_persist(make_client):
    alice, bob = make_client(reviewer="alice"), make_client(reviewer="bob")
    assert post(alice, row=1, col=1, text="A").status_code == 200
    assert post(bob, doc="beta", row=2, col=1, text="B", reviewer="bob").status_code == 200
    a = make_client().get("/api/documents/alpha/cells/p001-t1/1/1").json()
    b = make_client().get("/api/documents/beta/cells/p001-t1/2/1").json()
    assert (a["value"], a["correction"]["reviewer"]) == ("A", "alice")
    assert (b["value"], b["correction"]["reviewer"]) == ("B", "bob")


def test_accept_and_bad_requests(make_client):
    c = make_client()
    assert post(c, row=1, col=1, text="1200", action="accept").json()["correction"]["action"] == "accept"
    assert post(c, row=9, col=9).status_code == 404
    assert post(c, doc="nope").status_code == 404
    assert post(c, action="delete").status_code == 422


def test_token_required_everywhere(make_client):
    c = make_client(token="s3cret")
    for path in ("/", "/static/app.js", "/api/queue", "/api/documents", "/files/alpha/document.json"):
        assert c.get(path).status_code == 401, path
    assert post(c).status_code == 401
    assert c.get("/api/queue", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/api/queue", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    r = c.get("/?token=s3cret", follow_redirects=False)
    assert r.status_code == 303 and "token" not in r.headers["location"]
    assert c.get("/").status_code == 200  # the cookie set by the redirect
    c.cookies.clear()
    assert c.get("/").status_code == 401


def test_resolve_token_for_non_loopback():
    from pipeline.review.server import resolve_token

    assert resolve_token("127.0.0.1", None) == (None, False)
    assert resolve_token("::1", None) == (None, False)
    token, generated = resolve_token("0.0.0.0", None)
    assert generated and len(token) > 20
    assert resolve_token("0.0.0.0", "given") == ("given", False)


@pytest.mark.parametrize("path", [
    "/files/..%2fscan.png", "/files/..%2f..%2fetc%2fpasswd", "/files/%2e%2e/scan.png", "/files/../scan.png",
    "/files/alpha/..%2f..%2fscan.png", "/files/review.sqlite", "/files//etc/passwd",
    "/api/documents/..%2fout/pages/1.png", "/api/documents/..%2f..%2f/crop/p001-t1/0/0.png",
])
def test_path_traversal_refused(make_client, path):
    c = make_client()
    c.get("/api/queue")  # creates review.sqlite
    r = c.get(path)
    assert r.status_code in (403, 404), (path, r.status_code)
    assert b"r0c0" not in r.content and b"root:" not in r.content


def test_files_inside_out_dir_served(make_client):
    r = make_client().get("/files/alpha/document.json")
    assert r.status_code == 200 and r.json()["schema"] == "fiscalscan.document/1"


def test_page_and_crop_rendered_and_cached(make_client, out_dir):
    c = make_client()
    r = c.get("/api/documents/alpha/pages/1.png")
    assert r.status_code == 200 and r.content[:4] == b"\x89PNG"
    assert len(list((out_dir / "alpha" / ".review" / "pages").glob("p001-*.png"))) == 1
    import cv2
    import numpy as np

    png = c.get("/api/documents/alpha/crop/p001-t1/1/1.png").content
    crop = cv2.imdecode(np.frombuffer(png, np.uint8), 0)
    assert crop.shape == (60 + 12, 140 + 12)
    assert c.get("/api/documents/alpha/pages/7.png").status_code == 404
    ctx = c.get("/api/documents/alpha/cells/p001-t1/1/1").json()
    assert ctx["row_header"] == {"row": 1, "col": 0, "text": "一、收入"}
    assert ctx["col_header"] == {"row": 0, "col": 1, "text": "预算数"}


def test_export_content(make_client, out_dir):
    c = make_client()
    post(c, row=1, col=1, text="1300")
    post(c, row=2, col=2, text="950", action="accept")
    r = c.post("/api/export")
    assert r.status_code == 200
    rev = json.loads((out_dir / "alpha" / "document.reviewed.json").read_text(encoding="utf-8"))
    assert rev["reviewed"] is True
    cells = {(x["row"], x["col"]): x for x in rev["tables"][0]["cells"]}
    assert cells[(1, 1)]["text"] == "1300"
    assert (cells[(1, 1)]["source"], cells[(1, 1)]["confidence"]) == ("reviewer", 1.0)
    assert (cells[(2, 2)]["source"], cells[(2, 2)]["confidence"]) == ("reviewer", 1.0)
    assert cells[(2, 2)]["text"] == "950"
    assert cells[(0, 0)]["source"] == "ocr" and cells[(0, 1)]["confidence"] == 0.99
    rows = list(csv.reader((out_dir / "alpha" / "tables_reviewed" / "p001-t1.csv").open(encoding="utf-8")))
    assert rows[1] == ["一、收入", "1300", "1180"]
    assert (out_dir / "beta" / "document.reviewed.json").is_file()
    assert not list((out_dir / "alpha").glob(".tables_reviewed*"))


def test_stale_after_rerun(make_client, make_table, out_dir):
    c = make_client()
    post(c, row=1, col=1, text="1300")
    post(c, row=2, col=2, text="951")
    table = make_table("p001-t1", {(1, 1): 0.4})
    table["cells"] = [x for x in table["cells"] if (x["row"], x["col"]) != (2, 2)]  # cell gone
    next(x for x in table["cells"] if (x["row"], x["col"]) == (1, 1))["text"] = "1250"  # text changed
    from pipeline.export import write_document

    doc = json.loads((out_dir / "alpha" / "document.json").read_text(encoding="utf-8"))
    doc["tables"] = [table]
    write_document(out_dir, "alpha", doc)  # the pipeline's own atomic folder swap
    assert (out_dir / "review.sqlite").is_file()
    stale = make_client().get("/api/stale").json()
    assert sorted((s["row"], s["col"]) for s in stale) == [(1, 1), (2, 2)]
    d = c.get("/api/documents/alpha").json()
    assert len(d["stale_corrections"]) == 2
    q = {key(i): i for i in c.get("/api/queue").json()}
    assert q[("alpha", 1, 1)]["stale"] and q[("alpha", 1, 1)]["state"] == "stale"
    assert post(c, row=1, col=1, text="1250", action="accept", version=1).status_code == 200
    assert c.get("/api/documents").json()[0]["stale_corrections"] == 1  # the vanished cell stays reported
    c.post("/api/export")
    rev = json.loads((out_dir / "alpha" / "document.reviewed.json").read_text(encoding="utf-8"))
    assert [(s["row"], s["col"]) for s in rev["stale_corrections"]] == [(2, 2)]


def test_cli_export(out_dir, capsys):
    from pipeline.cli import main
    from pipeline.review.store import ReviewStore

    ReviewStore(out_dir).record(("beta", "p001-t1", 2, 1), old_text="900", new_text="901", action="correct",
                                reviewer="x", seen_version=0)
    assert main(["export", str(out_dir)]) == 0
    assert "beta: 1 reviewed cell(s)" in capsys.readouterr().out
    rows = list(csv.reader((out_dir / "beta" / "tables_reviewed" / "p001-t1.csv").open(encoding="utf-8")))
    assert rows[2][1] == "901"


def test_store_is_wal_full(out_dir: Path):
    import sqlite3

    from pipeline.review.store import ReviewStore

    ReviewStore(out_dir)
    db = sqlite3.connect(out_dir / "review.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
