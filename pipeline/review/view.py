"""A document as reviewed so far: structure edits replayed on its tables, corrections applied, records and
checks computed again.  The review server shows it, the queue orders it, the export writes it.

Replay, per document, in the order things were done: the corrections made on structure version 0 (the grid as
the pipeline read it) are folded into the cells, then structure edit 1 is applied (to its table, and a column
edit of a head also to its continuations with the same columns), cells whose text the edit made unknown are read
again from the page, then the corrections made on version 1 are folded in, and so on.  A correction whose cell
is gone or whose recognised text changed is *stale* (listed, never applied); a structure edit made on a table
of another shape than it has now (the pipeline re-ran) is stale too.  Tables whose grid changed are typed again
(column map and labels from their header), then the reviewer's column roles override the map, and records and
checks are recomputed from the reviewed texts.

Cells of the result carry ``base_text`` (the text a correction on the current grid is made against: the
reading, after earlier-grid corrections) besides ``text`` (the reviewed value), and ``source`` ("ocr",
"reviewer"; "typing" for a re-read that could not be made).
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.document.notes import CellRef
from pipeline.review.store import Correction, ReviewStore, StructureEdit, load_document, page_keys
from pipeline.review.structure import RECOGNISER_KEYS, EditError, apply_edit, changes_grid, follow_head

if TYPE_CHECKING:
    from pipeline.plugin_manager import PluginManager

Reread = Callable[[dict[str, Any], list[dict[str, Any]]], None]


@dataclass(frozen=True, slots=True)
class DocumentView:
    name: str
    document: dict[str, Any]  # reviewed tables (regridded, corrected), records and checks recomputed
    structure_version: int
    current: dict[CellRef, Correction]  # latest applied correction per cell of the current grid
    stale: list[Correction]
    stale_edits: list[StructureEdit]
    edits: list[StructureEdit]
    all_corrections: list[Correction]


def heads(tables: list[dict[str, Any]]) -> dict[str, str]:
    """Table id → id of the head its continuation chain starts at (itself for a head)."""
    out: dict[str, str] = {}
    head = None
    for t in tables:
        head = head if t.get("continued") and head is not None else t["id"]
        out[t["id"]] = head
    return out


def _latest(corrections: list[Correction]) -> dict[CellRef, Correction]:
    out: dict[CellRef, Correction] = {}
    for c in corrections:
        key = (c.table_id, c.row, c.col)
        if key not in out or c.version > out[key].version:
            out[key] = c
    return out


def _fold(tables: dict[str, dict[str, Any]], latest: dict[CellRef, Correction],
          keys: dict[int, str]) -> tuple[dict[CellRef, Correction], list[Correction]]:
    """Apply corrections to the cells they fit; returns (applied by cell, stale).  A correction made on another
    page image than the page has now (``keys``: :func:`pipeline.review.store.page_keys`) is stale too."""
    applied, stale = {}, []
    for key, corr in latest.items():
        table = tables.get(key[0])
        cell = next((c for c in table["cells"] if (c["row"], c["col"]) == key[1:]), None) if table else None
        if (cell is None or cell.get("base_text", cell.get("text", "")) != corr.old_text
                or (corr.basis and table is not None and keys.get(table.get("page")) != corr.basis)):
            stale.append(corr)
            continue
        cell.update(text=corr.new_text, confidence=1.0, needs_review=False, source="reviewer",
                    reviewer=corr.reviewer, review_action=corr.action)
        cell.pop("suggestion", None)
        applied[key] = corr
    return applied, stale


def _set_base(cells: list[dict[str, Any]]) -> None:
    for c in cells:
        if c.get("source") != "reviewer":
            c["base_text"] = c.get("text", "")


def replay(document: dict[str, Any], edits: list[StructureEdit], corrections: list[Correction],
           reread: Reread | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``document`` with edits and corrections replayed (see the module doc); returns (document, info) where
    info holds ``current`` (applied corrections of the current grid), ``stale``, ``stale_edits``, ``regridded``
    (ids of tables whose grid changed) and ``roles`` (tables with column roles set)."""
    doc = copy.deepcopy(document)
    keys = page_keys(document)
    tables = {t["id"]: t for t in doc.get("tables", [])}
    head_of = heads(doc.get("tables", []))
    for t in tables.values():
        for c in t["cells"]:
            c.setdefault("source", "ocr")
            c["base_text"] = c.get("text", "")
    by_grid: dict[int, list[Correction]] = {}
    for c in corrections:
        by_grid.setdefault(c.grid, []).append(c)
    stale: list[Correction] = []
    stale_edits: list[StructureEdit] = []
    regridded: set[str] = set()
    grid = 0
    for edit in edits:
        stale += _fold(tables, _latest(by_grid.get(grid, [])), keys)[1]
        grid = edit.version
        table = tables.get(edit.table_id)
        if table is None or (int(table["n_rows"]), int(table["n_cols"])) != (edit.n_rows, edit.n_cols):
            stale_edits.append(edit)
            continue
        args = edit.arguments()
        try:
            changed = [(edit.table_id, apply_edit(table, edit.op, args))]
        except (EditError, KeyError):
            stale_edits.append(edit)
            continue
        if head_of.get(edit.table_id) == edit.table_id:
            for tid, h in head_of.items():
                if h == edit.table_id and tid != edit.table_id:
                    follow = follow_head(edit.op, args, table, tables[tid])
                    if follow is not None:
                        with contextlib.suppress(EditError):
                            changed.append((tid, apply_edit(tables[tid], *follow)))
        for tid, new in changed:
            tables[tid].clear()
            tables[tid].update(new)
            if changes_grid(edit.op):
                regridded.add(tid)
                pending = [c for c in new["cells"] if c.pop("reread", False)]
                if pending:
                    _reread(new, pending, reread)
                _set_base(new["cells"])
    current, late = _fold(tables, _latest(by_grid.get(grid, [])), keys)
    stale += late
    stale += [c for g, cs in by_grid.items() if g > grid for c in cs]  # made on edits now gone
    roles = {tid for tid, t in tables.items() if t.get("role_overrides")}
    return doc, {"current": current, "stale": stale, "stale_edits": stale_edits, "regridded": regridded,
                 "roles": roles, "grid": grid}


def _reread(table: dict[str, Any], cells: list[dict[str, Any]], reread: Reread | None) -> None:
    if reread is not None:
        try:
            reread(table, cells)
            return
        except Exception:  # no source, no engine: the reviewer types the text
            pass
    for c in cells:
        c.update(text="", confidence=0.0, needs_review=True, source="typing")
        c["flags"] = sorted({*c.get("flags", ()), "needs-typing"})


# ------------------------------------------------------------------------------------------- re-reading


class PageReader:
    """Reads cells again from the upright page image through the plugin manager's OCR engine and cell reader
    (``build_table`` on a grid made of just those cells); results cached in ``<doc>/.review/reread.json``."""

    def __init__(self, out_dir: Path, name: str, document: dict[str, Any], pm: PluginManager) -> None:
        self.out_dir, self.name, self.document, self.pm = out_dir, name, document, pm
        self.cache_path = out_dir / name / ".review" / "reread.json"
        self._engine: Any = None

    def _cache(self) -> dict[str, Any]:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def __call__(self, table: dict[str, Any], cells: list[dict[str, Any]]) -> None:
        cache = self._cache()
        key = [f"{table['page']}:{','.join(f'{v:.1f}' for v in c['bbox'])}" for c in cells]
        todo = [c for c, k in zip(cells, key, strict=True) if k not in cache]
        if todo:
            for c, (text, conf, flags) in zip(todo, self._read(table["page"], todo), strict=True):
                cache[key[cells.index(c)]] = [text, conf, flags]
            from pipeline.files import atomic_write_json

            atomic_write_json(self.cache_path, cache)
        threshold = float(self.document.get("review_threshold", 0.9))
        for c, k in zip(cells, key, strict=True):
            text, conf, flags = cache[k]
            c.update(text=text, confidence=conf, needs_review=conf < threshold, source="ocr")
            c["flags"] = sorted({*c.get("flags", ()), *flags, "reread"})

    def _read(self, page: int, cells: list[dict[str, Any]]) -> list[tuple[str, float, list[str]]]:
        import cv2

        from pipeline.config import PipelineConfig
        from pipeline.model import BBox, Grid, PageImage
        from pipeline.review.pages import render_upright

        png = render_upright(self.out_dir, self.name, self.document, page)
        gray = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
        info = next((p for p in self.document.get("pages", []) if p.get("page") == page), {})
        config = PipelineConfig(dpi=float(info.get("dpi") or 200.0),
                                ocr_engine=str((self.document.get("generator") or {}).get("ocr", {}).get(
                                    "engine", "ppocr-onnx")))
        xs = sorted({float(v) for c in cells for v in (c["bbox"][0], c["bbox"][2])})
        ys = sorted({float(v) for c in cells for v in (c["bbox"][1], c["bbox"][3])})
        spans = tuple((ys.index(c["bbox"][1]), xs.index(c["bbox"][0]), ys.index(c["bbox"][3]) - ys.index(
            c["bbox"][1]), xs.index(c["bbox"][2]) - xs.index(c["bbox"][0])) for c in cells)
        grid = Grid(bbox=BBox(xs[0], ys[0], xs[-1], ys[-1]), row_edges=tuple(ys), col_edges=tuple(xs), spans=spans)
        image = PageImage(source=str(png), page_number=page, gray=gray, dpi=config.dpi)
        if self._engine is None:
            self._engine = self.pm.get_ocr_engine(config=config)
        built = self.pm.build_table(page=image, grid=grid, engine=self._engine, table_id="reread",
                                    upper_bound=grid.bbox.top, config=config)
        if built is None:
            raise EditError("no cell reader")
        got = {(c.row, c.col): c for c in built.cells}
        return [(got[(r, c)].text, round(got[(r, c)].confidence, 4), list(got[(r, c)].flags))
                for r, c, _rs, _cs in spans]


# ------------------------------------------------------------------------------------------- whole view


def retype(doc: dict[str, Any], ids: set[str], pm: PluginManager) -> None:
    """Type the groups (head + continuations) containing ``ids`` again from their current grid."""
    from pipeline.document.codec import notes_to_json, table_from_json
    from pipeline.document.recognise import recognise

    tables = doc.get("tables", [])
    head_of = heads(tables)
    for head_id in sorted({head_of[i] for i in ids if i in head_of}):
        group = [t for t in tables if head_of[t["id"]] == head_id]
        for t in group:
            for k in RECOGNISER_KEYS:
                t.pop(k, None)
        typed = recognise([table_from_json(t) for t in group], pm.recognizers())
        for t, new in zip(group, typed, strict=True):
            t["type"], t["type_confidence"] = new.type, round(new.type_confidence, 4)
            notes = notes_to_json(new.notes)
            for k in RECOGNISER_KEYS:
                if k in notes:
                    t[k] = notes[k]


def apply_roles(doc: dict[str, Any]) -> None:
    for t in doc.get("tables", []):
        roles = t.get("role_overrides") or {}
        if not roles:
            continue
        columns = dict(t.get("columns") or {})
        for col, role in roles.items():
            if role == "none":
                columns.pop(str(col), None)
            else:
                columns[str(col)] = role
        t["columns"] = columns
        # no record rule may take a "none" column back (pipeline.document.records_unmapped)
        none = sorted(int(c) for c, role in roles.items() if role == "none")
        if none:
            t["not_values"] = none
        else:
            t.pop("not_values", None)


def fuse_again(doc: dict[str, Any], pm: PluginManager) -> None:
    """Cell confidences from their reading and the checks and grid as they are now, as
    :func:`pipeline.document.fusion.fuse` does in the pipeline: a repair that balances a check confirms its
    cells, a cell the grid still misplaces (two values under one label, words in a code column) stays suspect."""
    from pipeline.document.codec import table_from_json
    from pipeline.document.fusion import SUSPECT_CAP, CellEvidence, fused_confidence
    from pipeline.document.logical import logical_tables
    from pipeline.document.vocabulary import raised

    ev: dict[CellRef, CellEvidence] = {}
    for chk in doc.get("checks") or []:
        for ref in chk.get("cells") or []:
            key = (ref["table"], ref["row"], ref["col"])
            ev[key] = ev.get(key, CellEvidence()).add(str(chk.get("status")))
    tables = [table_from_json(t) for t in doc.get("tables", [])]
    misplaced = {ref for lt in logical_tables(tables) for row in lt.rows for ref in row.suspects}
    threshold = float(doc.get("review_threshold", 0.9))
    for t in doc.get("tables", []):
        for c in t["cells"]:
            if c.get("source") == "reviewer":
                continue
            key = (t["id"], c["row"], c["col"])
            reading = float(c.pop("ocr_confidence", c.get("confidence", 0.0)))
            e = ev.get(key)
            conf = reading if e is None else fused_confidence(reading, e)
            flags = [f for f in c.get("flags", ()) if not f.startswith("check:") and f != "structure"]
            if e is not None:
                flags.append("check:fail" if e.failed and not e.passed else "check:pass")
            if key in misplaced:
                conf = min(conf, reading, SUSPECT_CAP)
                flags.append("structure")
            conf, flags = raised(str(c.get("text", "")), conf, flags)  # label confirmation, as the pipeline
            c["confidence"] = round(conf, 4)
            if conf != reading:
                c["ocr_confidence"] = round(reading, 4)
            c["needs_review"] = conf < threshold
            c["flags"] = list(flags)


def build_view(out_dir: Path, name: str, store: ReviewStore, pm: PluginManager, reread: bool = True
               ) -> DocumentView:
    from pipeline.config import PipelineConfig
    from pipeline.document.analysis import refresh_records_and_checks

    original = load_document(out_dir, name)
    edits = store.structure_edits(name)
    reader = PageReader(out_dir, name, original, pm) if reread else None
    corrections = store.all_corrections(name)
    doc, info = replay(original, edits, corrections, reader)
    if info["regridded"]:
        retype(doc, info["regridded"], pm)
    apply_roles(doc)
    threshold = float(doc.get("review_threshold", 0.9))
    for t in doc.get("tables", []):
        for c in t["cells"]:
            c["needs_review"] = c.get("source") != "reviewer" and float(c.get("confidence", 0.0)) < threshold
    if any("records" in t for t in original.get("tables", [])):
        doc = refresh_records_and_checks(doc, name, pm, PipelineConfig(review_threshold=threshold))
        fuse_again(doc, pm)
    return DocumentView(name=name, document=doc, structure_version=info["grid"], current=info["current"],
                        stale=info["stale"], stale_edits=info["stale_edits"], edits=edits,
                        all_corrections=corrections)


class ViewCache:
    """Views memoised per document until document.json or the review store changes."""

    def __init__(self, out_dir: Path, store: ReviewStore) -> None:
        self.out_dir, self.store = out_dir, store
        self._lock = threading.Lock()
        self._views: dict[str, tuple[tuple[Any, ...], DocumentView]] = {}
        self._pm: PluginManager | None = None

    def pm(self) -> PluginManager:
        if self._pm is None:
            from pipeline.plugin_manager import PluginManager

            self._pm = PluginManager()
        return self._pm

    def get(self, name: str) -> DocumentView:
        stamp = ((self.out_dir / name / "document.json").stat().st_mtime_ns, self.store.stamp(name))
        with self._lock:
            hit = self._views.get(name)
            if hit is not None and hit[0] == stamp:
                return hit[1]
            view = build_view(self.out_dir, name, self.store, self.pm())
            self._views[name] = (stamp, view)
            return view
