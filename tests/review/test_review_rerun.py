"""Re-running a reviewed document with another scan or dpi (issue 11, case 2): the review page shows the new
run's page image, never the cached one of the previous run, and the reviewer's earlier actions on it are
marked stale instead of carrying over."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import cv2
import numpy as np

from pipeline.export import write_document
from pipeline.review.store import ReviewStore


def rerun(out_dir: Path, doc: str, source: Path, sha: str, dpi: float = 200) -> None:
    """What ``fiscalscan run`` does to the folder: a new document.json swapped in, .review/ carried over."""
    data = json.loads((out_dir / doc / "document.json").read_text(encoding="utf-8"))
    data["source"] = {**data["source"], "path": str(source), "sha256": sha}
    data["pages"][0]["dpi"] = dpi
    write_document(out_dir, doc, data)


def png(r) -> np.ndarray:  # type: ignore[no-untyped-def]
    return cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_GRAYSCALE)


def test_rerun_with_another_scan_shows_the_new_image(make_client, out_dir: Path, tmp_path: Path) -> None:
    c = make_client()
    first = png(c.get("/api/documents/alpha/pages/1.png"))
    other = cv2.imread(str(tmp_path / "scan.png"), cv2.IMREAD_GRAYSCALE)
    other = cv2.flip(other, 1)  # another scan: same size, different pixels
    new_src = tmp_path / "scan2.png"
    cv2.imwrite(str(new_src), other)
    rerun(out_dir, "alpha", new_src, "1" * 64)
    assert (out_dir / "alpha" / ".review").is_dir()  # the old cache travelled with the folder...
    second = png(c.get("/api/documents/alpha/pages/1.png"))
    assert np.array_equal(second, other) and not np.array_equal(second, first)  # ...but is not used
    crop = png(c.get("/api/documents/alpha/crop/p001-t1/1/1.png"))
    assert np.array_equal(crop, other[80 - 6:140 + 6, 140 - 6:280 + 6])
    assert len(list((out_dir / "alpha" / ".review" / "pages").glob("p001*.png"))) == 1  # old one removed


def test_rerun_with_another_dpi_makes_earlier_actions_stale(make_client, out_dir: Path, tmp_path: Path) -> None:
    c = make_client()
    ok = c.post("/api/corrections", json={"document": "alpha", "table": "p001-t1", "row": 1, "col": 1,
                                          "text": "1200", "action": "accept", "version": 0})
    assert ok.status_code == 200
    rerun(out_dir, "alpha", tmp_path / "scan.png", "0" * 64, dpi=300)  # same text read, other image
    cell = c.get("/api/documents/alpha/cells/p001-t1/1/1").json()
    assert cell["state"] == "stale" and cell["stale"]
    assert ("alpha", 1, 1) in {(q["document"], q["row"], q["col"]) for q in c.get("/api/queue").json()}
    assert [(s["row"], s["col"]) for s in c.get("/api/stale").json()] == [(1, 1)]
    c.post("/api/export", json={})
    rev = json.loads((out_dir / "alpha" / "document.reviewed.json").read_text(encoding="utf-8"))
    cells = {(x["row"], x["col"]): x for x in rev["tables"][0]["cells"]}
    assert cells[(1, 1)]["source"] == "ocr"  # not carried over as accepted
    assert [(s["row"], s["col"]) for s in rev["stale_corrections"]] == [(1, 1)]


def test_unchanged_rerun_keeps_actions(make_client, out_dir: Path, tmp_path: Path) -> None:
    c = make_client()
    c.post("/api/corrections", json={"document": "alpha", "table": "p001-t1", "row": 1, "col": 1,
                                     "text": "1200", "action": "accept", "version": 0})
    rerun(out_dir, "alpha", tmp_path / "scan.png", "0" * 64)  # same source, same dpi
    assert c.get("/api/documents/alpha/cells/p001-t1/1/1").json()["state"] == "accepted"


def test_store_made_before_the_basis_column_still_opens(out_dir: Path) -> None:
    db = sqlite3.connect(out_dir / "review.sqlite")
    db.executescript("""CREATE TABLE corrections (id INTEGER PRIMARY KEY AUTOINCREMENT, document TEXT NOT NULL,
        table_id TEXT NOT NULL, row INTEGER NOT NULL, col INTEGER NOT NULL, old_text TEXT NOT NULL,
        new_text TEXT NOT NULL, action TEXT NOT NULL, reviewer TEXT NOT NULL, ts REAL NOT NULL,
        version INTEGER NOT NULL, UNIQUE (document, table_id, row, col, version));
        INSERT INTO corrections (document, table_id, row, col, old_text, new_text, action, reviewer, ts, version)
        VALUES ('alpha', 'p001-t1', 1, 1, '1200', '1300', 'correct', 'old', 1.0, 1);""")
    db.commit()
    db.close()
    (corr,) = ReviewStore(out_dir).latest().values()
    assert corr.new_text == "1300" and corr.basis == ""


def test_image_key_changes_with_everything_the_image_depends_on() -> None:
    """Source sha256, page, dpi, rotation and skew each change the cache key; a field the image does not depend
    on (the page's reading time) does not."""
    from pipeline.review.store import image_key

    def doc(sha256: str = "0" * 64, **page: object) -> dict[str, object]:
        info = {"page": 1, "dpi": 200, "rotation": 0, "skew": 0.0, "seconds": 1.0, **page}
        return {"source": {"sha256": sha256}, "pages": [info, {**info, "page": 2}]}

    base = image_key(doc(), 1)
    assert image_key(doc(seconds=9.0), 1) == base
    changed = [doc(sha256="1" * 64), doc(dpi=300), doc(rotation=180), doc(skew=0.4)]
    keys = [image_key(d, 1) for d in changed] + [image_key(doc(), 2)]
    assert base not in keys and len(set(keys)) == len(keys)
