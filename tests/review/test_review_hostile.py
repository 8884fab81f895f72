"""Hostile requests to the review server (issue 11, cases 9-11): malformed bodies get a 4xx and store
nothing, state changes need a same-origin JSON request or the token in a header, and only the host names
the server was started for are answered (DNS rebinding)."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.review.store import ReviewStore

GOOD = {"document": "alpha", "table": "p001-t1", "row": 1, "col": 1, "text": "1300", "action": "correct",
        "version": 0}


def raw_post(client, body: bytes, **headers: str):  # type: ignore[no-untyped-def]
    return client.post("/api/corrections", content=body,
                       headers={"Content-Type": "application/json", **headers})


@pytest.mark.parametrize(("body", "status"), [
    (b'{"document":"alpha","table":"p001-t1","row":Infinity,"col":1,"text":"x"}', 400),
    (b'{"document":"alpha","table":"p001-t1","row":NaN,"col":1,"text":"x"}', 400),
    (b'{"document":"alpha","table":"p001-t1","row":1,"col":1,"text":"\\ud800"}', 422),
    (b'{"document":"alpha","table":"p001-t1","row":1,"col":1,"text":"a\\u0000b"}', 422),
    (b'{"document":"alpha","table":"p001-t1","row":1,"col":1,"text":null}', 422),
    (b'{"document":"alpha","table":"p001-t1","row":1,"col":1,"text":{"a":1}}', 422),
    (b'{"document":"alpha","table":"p001-t1","row":1,"col":1,"text":["1300"]}', 422),
    (b'{"document":"alpha","table":"p001-t1","row":5.9,"col":1,"text":"x"}', 422),
    (b'{"document":"alpha","table":"p001-t1","row":"1","col":1,"text":"x"}', 422),
    (b'{"document":"alpha","table":"p001-t1","row":true,"col":1,"text":"x"}', 422),
    (b'{"document":"alpha","table":"p001-t1","row":-1,"col":1,"text":"x"}', 422),
    (b'{"document":"alpha","table":"p001-t1","row":1e400,"col":1,"text":"x"}', 422),
    (b'{"document":"alpha","table":"p001-t1","row":1,"col":1,"text":"x","version":1.5}', 422),
    (b'[1, 2]', 422),
    (b'{"document":', 400),
    (b'\xff\xfe{}', 400),
])
def test_malformed_bodies_are_4xx_and_store_nothing(make_client, out_dir: Path, body: bytes,
                                                    status: int) -> None:
    r = raw_post(make_client(), body)
    assert r.status_code == status, r.text
    assert ReviewStore(out_dir).latest() == {}


@pytest.mark.parametrize(("route", "body", "status"), [
    ("/api/cells", b'{"document":"alpha","table":"p001-t1","row":Infinity,"col":1,"grid":0,"text":"x"}', 400),
    ("/api/cells", b'{"document":"alpha","table":"p001-t1","row":5.9,"col":1,"grid":0,"text":"x"}', 422),
    ("/api/cells", b'{"document":"alpha","table":"p001-t1","row":1,"col":1,"grid":0,"text":null}', 422),
    ("/api/cells", b'{"document":"alpha","table":"p001-t1","row":1,"col":1,"grid":0,"text":"\\ud800"}', 422),
    ("/api/cells", b'{"document":"alpha","table":"p001-t1","row":1,"col":1,"text":"x"}', 422),  # no grid
    ("/api/structure", b'{"document":"alpha","table":"p001-t1","op":"merge_cols","args":{"first":0.5,"last":1}}',
     422),
    ("/api/structure", b'{"document":"alpha","table":"p001-t1","op":"merge_cols","args":{"first":NaN}}', 400),
    ("/api/structure", b'{"document":"alpha","table":"p001-t1","op":"merge_cols","args":"0,1"}', 422),
    ("/api/structure", b'{"document":"alpha","table":"p001-t1","op":"a\\u0000"}', 422),
])
def test_workbench_routes_validate_bodies_too(make_client, out_dir: Path, route: str, body: bytes,
                                              status: int) -> None:
    r = make_client().post(route, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    store = ReviewStore(out_dir)
    assert store.latest() == {} and store.structure_edits("alpha") == []


def test_huge_text_is_refused(make_client, out_dir: Path) -> None:
    c = make_client()
    r = raw_post(c, json.dumps({**GOOD, "text": "9" * 10_000_000}).encode())
    assert r.status_code == 413
    r = raw_post(c, json.dumps({**GOOD, "text": "9" * 5000}).encode())  # small body, text over the limit
    assert r.status_code == 422
    assert ReviewStore(out_dir).latest() == {}
    assert c.post("/api/export").status_code == 200


def test_a_valid_body_still_works(make_client) -> None:
    c = make_client()
    r = raw_post(c, json.dumps(GOOD).encode())
    assert r.status_code == 200 and r.json()["correction"]["new_text"] == "1300"


def test_nul_in_file_path_is_404(make_client) -> None:
    c = make_client()
    assert c.get("/files/x%00.png").status_code == 404
    assert c.get("/api/documents/alpha%00/cells/p001-t1/1/1").status_code == 404


def test_bad_path_parameters_are_422(make_client) -> None:
    c = make_client()
    assert c.get("/api/documents/alpha/cells/p001-t1/Infinity/1").status_code == 422
    assert c.get("/api/documents/alpha/cells/p001-t1/%ED%A0%80/1").status_code == 422


def test_export_survives_an_absurd_stored_value(tmp_path: Path) -> None:
    """A value stored before validation existed (a million digits) must not make the export fail."""
    from pipeline.config import PipelineConfig
    from pipeline.document.codec import table_json
    from pipeline.export import write_document
    from pipeline.plugin_manager import PluginManager
    from pipeline.review.reviewed import export_document
    from tests.fiscal.tables import run, table_of
    from tests.fiscal.test_records import EXPENDITURE_ROWS

    pm = PluginManager(entrypoints=False)
    a = run(pm, [table_of(EXPENDITURE_ROWS, title="支出决算表")])
    doc = {"schema": "fiscalscan.document/1", "source": {"path": "x.pdf", "sha256": "0" * 64, "pages": 1},
           "review_threshold": 0.9, "pages": [{"page": 1, "width": 10, "height": 10, "dpi": 200}],
           "tables": [table_json(t, PipelineConfig(), a) for t in a.tables]}
    write_document(tmp_path, "doc", doc)
    old = next(c["text"] for c in doc["tables"][0]["cells"] if (c["row"], c["col"]) == (6, 5))
    store = ReviewStore(tmp_path)
    store.record(("doc", "p001-t1", 6, 5), old_text=old, new_text="9" * 1_000_000, action="correct",
                 reviewer="r", seen_version=0)
    summary = export_document(tmp_path, "doc", store, pm)
    assert summary["reviewer_cells"] == 1
    assert (tmp_path / "doc" / "records.reviewed.csv").is_file()


# ---------------------------------------------------------------------------------------------- CSRF


@pytest.mark.parametrize("token", [None, "s3cret"])
@pytest.mark.parametrize(("headers", "status"), [
    ({"Origin": "http://127.0.0.1:9999"}, 403),                       # another port of the same host
    ({"Origin": "http://attacker.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Sec-Fetch-Site": "same-site"}, 403),
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Content-Type": "application/x-www-form-urlencoded"}, 415),     # an HTML form
    ({"Content-Type": "text/plain"}, 415),
])
def test_cross_site_state_changes_are_refused(make_client, out_dir: Path, token: str | None,
                                              headers: dict[str, str], status: int) -> None:
    c = make_client(token=token)
    if token:
        c.get("/", params={"token": token})  # the browser holds the SameSite cookie now
    body = json.dumps(GOOD)
    hdrs = {"Content-Type": "application/json", **headers}
    assert c.post("/api/corrections", content=body, headers=hdrs).status_code == status
    assert c.post("/api/export", content=b"{}", headers=hdrs).status_code == status
    assert ReviewStore(out_dir).latest() == {}
    assert not list(out_dir.glob("*/document.reviewed.json"))


def test_same_origin_json_and_token_header_pass(make_client) -> None:
    c = make_client(token="s3cret")
    c.get("/", params={"token": "s3cret"})
    ok = {"Content-Type": "application/json", "Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert c.post("/api/corrections", content=json.dumps(GOOD), headers=ok).status_code == 200
    assert c.post("/api/export", content=b"{}", headers=ok).status_code == 200
    bare = make_client(token="s3cret")  # no cookie: the token in a header, as a script would send it
    assert bare.post("/api/export", headers={"Authorization": "Bearer s3cret"}).status_code == 200


# ---------------------------------------------------------------------------------------------- Host


def test_unknown_host_names_are_refused(out_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from pipeline.review.security import allowed_hosts
    from pipeline.review.server import ReviewSettings, create_app

    app = create_app(ReviewSettings(out_dir, allowed_hosts=allowed_hosts("127.0.0.1")))
    for base in ("http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"):
        assert TestClient(app, base_url=base).get("/api/documents").status_code == 200
    evil = TestClient(app, base_url="http://attacker.example:8765")
    assert evil.get("/api/documents").status_code == 400
    assert evil.get("/api/documents/alpha").status_code == 400
    assert evil.post("/api/corrections", json=GOOD).status_code == 400
    assert allowed_hosts("0.0.0.0") is None
    assert "review.lan" in allowed_hosts("10.0.0.5", ["review.lan"])  # type: ignore[operator]


def test_cli_server_checks_the_host_header(out_dir: Path, start_server) -> None:  # type: ignore[no-untyped-def]
    proc, base = start_server(out_dir)
    try:
        netloc = urlsplit(base).netloc
        port = int(netloc.rsplit(":", 1)[1])

        def get(host: str) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.putrequest("GET", "/api/documents", skip_host=True)
            conn.putheader("Host", host)
            conn.endheaders()
            status = conn.getresponse().status
            conn.close()
            return status

        assert get(netloc) == 200
        assert get(f"localhost:{port}") == 200
        assert get(f"attacker.example:{port}") == 400
    finally:
        proc.terminate()
        proc.wait(10)
