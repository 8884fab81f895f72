"""Review state: append-only SQLite logs of cell corrections and of structure edits (grid repairs, see
:mod:`pipeline.review.structure`), plus the documents they attach to.

Every accepted or corrected cell is one row in ``corrections``; a cell's current value is its latest row.
Each cell carries a version (0 = never reviewed); a write names the version its author saw and is refused
when the cell moved on since (optimistic concurrency).  A write returns only after its
transaction committed with
``synchronous=FULL`` in WAL mode, so an acknowledged correction survives a crash.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.document.notes import CellRef

DB_NAME = "review.sqlite"
ACTIONS = ("accept", "correct")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document TEXT NOT NULL,
    table_id TEXT NOT NULL,
    row INTEGER NOT NULL,
    col INTEGER NOT NULL,
    old_text TEXT NOT NULL,
    new_text TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('accept', 'correct')),
    reviewer TEXT NOT NULL,
    ts REAL NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (document, table_id, row, col, version)
);
"""
#: the document's structure version a correction was made against (:mod:`pipeline.review.structure`); added
#: to stores written before structure edits existed
_GRID_COLUMN = "ALTER TABLE corrections ADD COLUMN grid INTEGER NOT NULL DEFAULT 0"
#: what the reviewer saw: ``image_key`` of the page (added to stores made before it existed, '' = unknown)
_BASIS_COLUMN = "ALTER TABLE corrections ADD COLUMN basis TEXT NOT NULL DEFAULT ''"
_COLUMNS = "document, table_id, row, col, old_text, new_text, action, reviewer, ts, version, grid, basis"

#: structure edits of a document's tables (merge/split columns and rows, false rulings, column roles): append-
#: only like corrections; ``version`` counts a document's edits (its structure version), so a second reviewer's
#: edit made against an older grid is refused
_STRUCTURE_SCHEMA = """
CREATE TABLE IF NOT EXISTS structure_edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document TEXT NOT NULL,
    table_id TEXT NOT NULL,
    op TEXT NOT NULL,
    args TEXT NOT NULL,
    n_rows INTEGER NOT NULL,
    n_cols INTEGER NOT NULL,
    reviewer TEXT NOT NULL,
    ts REAL NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (document, version)
);
"""
_EDIT_COLUMNS = "document, table_id, op, args, n_rows, n_cols, reviewer, ts, version"

CellKey = tuple[str, str, int, int]  # document, table id, row, col


@dataclass(frozen=True, slots=True)
class Correction:
    document: str
    table_id: str
    row: int
    col: int
    old_text: str
    new_text: str
    action: str
    reviewer: str
    ts: float
    version: int
    grid: int = 0  # structure version of the document the cell position refers to
    basis: str = ""  # image_key of the page the reviewer saw ('' for corrections from before it was kept)

    @property
    def key(self) -> CellKey:
        return (self.document, self.table_id, self.row, self.col)

    def as_dict(self) -> dict[str, Any]:
        return {"document": self.document, "table": self.table_id, "row": self.row, "col": self.col,
                "old_text": self.old_text, "new_text": self.new_text, "action": self.action,
                "reviewer": self.reviewer, "ts": self.ts, "version": self.version, "grid": self.grid,
                "basis": self.basis}


@dataclass(frozen=True, slots=True)
class StructureEdit:
    """One structure edit of a table; ``args`` as JSON text (its meaning per ``op``: :mod:`.structure`);
    ``n_rows``/``n_cols`` the table's shape it was made on (an edit that no longer fits is stale)."""

    document: str
    table_id: str
    op: str
    args: str
    n_rows: int
    n_cols: int
    reviewer: str
    ts: float
    version: int

    def arguments(self) -> dict[str, Any]:
        out = json.loads(self.args)
        return out if isinstance(out, dict) else {}

    def as_dict(self) -> dict[str, Any]:
        return {"document": self.document, "table": self.table_id, "op": self.op, "args": self.arguments(),
                "shape": [self.n_rows, self.n_cols], "reviewer": self.reviewer, "ts": self.ts,
                "version": self.version}


class VersionConflict(Exception):
    """The cell changed since the version the client saw; ``current`` is its latest correction (or None)."""

    def __init__(self, current: Correction | None) -> None:
        super().__init__("cell changed since you loaded it")
        self.current = current


class StructureConflict(Exception):
    """Someone changed the document's structure since the version the client saw (``current``)."""

    def __init__(self, current: int) -> None:
        super().__init__("the table structure changed since you loaded it")
        self.current = current


def _structure_version(db: sqlite3.Connection, document: str) -> int:
    row = db.execute("SELECT MAX(version) FROM structure_edits WHERE document=?", (document,)).fetchone()
    return int(row[0] or 0)


class ReviewStore:
    """Corrections in ``<out_dir>/review.sqlite``; one short-lived connection per operation (thread-safe)."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / DB_NAME
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            if "grid" not in {r[1] for r in db.execute("PRAGMA table_info(corrections)")}:
                db.execute(_GRID_COLUMN)
            db.executescript(_STRUCTURE_SCHEMA)
            if "basis" not in {r[1] for r in db.execute("PRAGMA table_info(corrections)")}:
                db.execute(_BASIS_COLUMN)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT), rolled back on any exception: what it appended is on
        disk (synchronous=FULL) once the block has returned, and nothing of it when the block raised."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def latest(self, document: str | None = None) -> dict[CellKey, Correction]:
        """Latest correction per cell (of one document, or all)."""
        sql = (f"SELECT {_COLUMNS} FROM corrections c WHERE version = (SELECT MAX(version) FROM corrections d "
               "WHERE d.document = c.document AND d.table_id = c.table_id AND d.row = c.row AND d.col = c.col)")
        args: tuple[str, ...] = ()
        if document is not None:
            sql += " AND document = ?"
            args = (document,)
        with self._connect() as db:
            rows = db.execute(sql, args).fetchall()
        return {c.key: c for c in (Correction(*r) for r in rows)}

    def history(self, key: CellKey) -> list[Correction]:
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM corrections WHERE document=? AND table_id=? AND row=? AND col=? "
                "ORDER BY version",
                key).fetchall()
        return [Correction(*r) for r in rows]

    def all_corrections(self, document: str) -> list[Correction]:
        """Every correction of ``document`` in the order they were made."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM corrections WHERE document=? ORDER BY id",
                              (document,)).fetchall()
        return [Correction(*r) for r in rows]

    def record(self, key: CellKey, *, old_text: str, new_text: str, action: str, reviewer: str,
               seen_version: int, grid: int | None = None, basis: str = "") -> Correction:
        """Append a correction if the cell is still at ``seen_version``; raise VersionConflict otherwise.
        ``grid``: the document's structure version the position refers to; refused (VersionConflict) when a
        structure edit moved the grid on since; None: the current one.  ``basis``: the image key of the page the
        reviewer saw (a correction is stale once the page image changed)."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}")
        with self._transaction() as db:
            current = self._current(db, key)
            now_grid = _structure_version(db, key[0])
            if (current.version if current else 0) != seen_version or grid not in (None, now_grid):
                raise VersionConflict(current)
            row = Correction(*key, old_text, new_text, action, reviewer, time.time(), seen_version + 1,
                             now_grid, basis)
            db.execute(f"INSERT INTO corrections ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                       (*key, old_text, new_text, action, reviewer, row.ts, row.version, now_grid, basis))
        return row

    def structure_edits(self, document: str) -> list[StructureEdit]:
        """The structure edits of ``document`` in order (version 1, 2, …)."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {_EDIT_COLUMNS} FROM structure_edits WHERE document=? ORDER BY version",
                              (document,)).fetchall()
        return [StructureEdit(*r) for r in rows]

    def stamp(self, document: str) -> tuple[int, int, int]:
        """Changes whenever a correction or structure edit of ``document`` is added (cache key)."""
        with self._connect() as db:
            a = db.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM corrections WHERE document=?",
                           (document,)).fetchone()
            return int(a[0]), int(a[1]), _structure_version(db, document)

    def structure_version(self, document: str) -> int:
        with self._connect() as db:
            return _structure_version(db, document)

    def record_structure(self, document: str, table_id: str, op: str, args: dict[str, Any], shape: tuple[int, int],
                         reviewer: str, seen_version: int) -> StructureEdit:
        """Append a structure edit if the document's structure is still at ``seen_version`` (else
        :class:`StructureConflict`); acknowledged only after its transaction committed."""
        with self._transaction() as db:
            now = _structure_version(db, document)
            if now != seen_version:
                raise StructureConflict(now)
            edit = StructureEdit(document, table_id, op, json.dumps(args, sort_keys=True), shape[0], shape[1],
                                 reviewer, time.time(), now + 1)
            db.execute(f"INSERT INTO structure_edits ({_EDIT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                       (edit.document, edit.table_id, edit.op, edit.args, edit.n_rows, edit.n_cols,
                        edit.reviewer, edit.ts, edit.version))
        return edit

    @staticmethod
    def _current(db: sqlite3.Connection, key: CellKey) -> Correction | None:
        r = db.execute(
            f"SELECT {_COLUMNS} FROM corrections WHERE document=? AND table_id=? AND row=? AND col=? "
            "ORDER BY version DESC LIMIT 1",
            key).fetchone()
        return Correction(*r) if r else None


# ------------------------------------------------------------------------------------------- documents


def list_documents(out_dir: Path) -> list[str]:
    """Names of the document folders in ``out_dir`` (those holding a document.json)."""
    return sorted(p.parent.name for p in out_dir.glob("*/document.json") if not p.parent.name.startswith("."))


def load_document(out_dir: Path, name: str) -> dict[str, Any]:
    with (out_dir / name / "document.json").open(encoding="utf-8") as f:
        return json.load(f)


def cell_index(document: dict[str, Any]) -> dict[CellRef, tuple[dict[str, Any], dict[str, Any]]]:
    """(table id, row, col) -> (table, cell)."""
    return {(t["id"], c["row"], c["col"]): (t, c) for t in document.get("tables", []) for c in t["cells"]}


def failed_checks_by_cell(table: dict[str, Any]) -> dict[tuple[int, int], list[str]]:
    """Cells of this table named by failing checks (``checks[].cells`` as {table, row, col} or [row, col]), each
    with one line per failing check ("hierarchy:款=total: printed 2,112.86, parts sum to 2,106.66 (−6.20)");
    "rounding" is not a failure."""
    out: dict[tuple[int, int], list[str]] = {}
    for check in table.get("checks") or []:
        if str(check.get("status", "")).lower() in ("ok", "pass", "passed", "rounding"):
            continue
        line = (f"{check.get('rule', 'check')}: printed {check.get('expected')}, parts give {check.get('found')} "
                f"(difference {check.get('difference')})")
        for ref in check.get("cells") or []:
            pos: tuple[int, int] | None = None
            if isinstance(ref, dict) and "row" in ref and "col" in ref:
                if ref.get("table", table.get("id")) == table.get("id"):
                    pos = (int(ref["row"]), int(ref["col"]))
            elif isinstance(ref, list | tuple) and len(ref) >= 2:
                pos = (int(ref[0]), int(ref[1]))
            if pos is not None and line not in out.setdefault(pos, []):
                out[pos].append(line)
    return out


def image_key(document: dict[str, Any], page: int) -> str:
    """What a page image shown to a reviewer depends on: the source's sha256, the page, and the dpi, rotation
    and skew it was rendered with (16 hex digits).  A re-run with another scan or --dpi changes it."""
    info = next((p for p in document.get("pages", []) if p.get("page") == page), {})
    data = [document.get("source", {}).get("sha256"), page, info.get("dpi"), info.get("rotation") or 0,
            info.get("skew") or 0.0]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]


def page_keys(document: dict[str, Any]) -> dict[int, str]:
    """``image_key`` of every page of ``document``."""
    return {int(p["page"]): image_key(document, int(p["page"])) for p in document.get("pages", [])
            if isinstance(p.get("page"), int)}


def is_stale(correction: Correction, cells: dict[CellRef, Any],
             keys: dict[int, str] | None = None) -> bool:
    """A correction no longer fits when its cell is gone, the recognised text it corrected changed, or (with
    ``keys``, from :func:`page_keys`) the page image it was made on is not the page image now."""
    hit = cells.get((correction.table_id, correction.row, correction.col))
    if hit is None or hit[1].get("text", "") != correction.old_text:
        return True
    return bool(keys is not None and correction.basis and keys.get(hit[0].get("page")) != correction.basis)
