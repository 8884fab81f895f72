"""Routes of the table-repairing workbench (added to the review app by :func:`add_workbench_routes`): the
harm-ordered queue, the reviewed view of a document, structure edits, corrections against the current grid,
a cell's context and crops of any page region.

All answers come from :class:`pipeline.review.view.DocumentView` (structure edits replayed, corrections applied,
checks recomputed), memoised until document.json or the store changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from pipeline.document.notes import CellRef
from pipeline.review import pages
from pipeline.review.queue import document_checks, queue_items
from pipeline.review.reasons import cell_context, check_sentence, explain_flags, record_index
from pipeline.review.store import StructureConflict, VersionConflict, image_key, list_documents
from pipeline.review.structure import IDENTITY_ROLES, OPS, EditError, band_edges, validate
from pipeline.review.validation import CellBody, StructureBody, parse_body, read_json
from pipeline.review.view import DocumentView, ViewCache, heads

if TYPE_CHECKING:
    from pipeline.review.settings import ReviewSettings


def _views(app: FastAPI, settings: ReviewSettings) -> ViewCache:
    cache = getattr(app.state, "views", None)
    if cache is None:
        cache = app.state.views = ViewCache(settings.out_dir, settings.store)
    return cache


def _doc(settings: ReviewSettings, doc: str) -> str:
    if doc not in list_documents(settings.out_dir):
        raise HTTPException(404, "no such document")
    return doc


def _table(view: DocumentView, table: str) -> dict[str, Any]:
    t = next((t for t in view.document.get("tables", []) if t["id"] == table), None)
    if t is None:
        raise HTTPException(404, "no such table")
    return t


def _cell_state(cell: dict[str, Any], stale: bool) -> str:
    if stale:
        return "stale"
    if cell.get("source") == "reviewer":
        return "accepted" if cell.get("review_action") == "accept" else "corrected"
    return "unreviewed"


def position_versions(view: DocumentView) -> dict[CellRef, int]:
    """The version a new correction at each position must name (corrections of earlier grids count)."""
    out: dict[CellRef, int] = {}
    for c in view.all_corrections:
        key = (c.table_id, c.row, c.col)
        out[key] = max(out.get(key, 0), c.version)
    return out


def table_view(view: DocumentView, t: dict[str, Any], queued: set[CellRef],
               versions: dict[CellRef, int]) -> dict[str, Any]:
    head_of = heads(view.document.get("tables", []))
    head = next(x for x in view.document["tables"] if x["id"] == head_of[t["id"]])
    stale = {(c.table_id, c.row, c.col) for c in view.stale if c.grid == view.structure_version}
    cells = []
    for c in t["cells"]:
        key = (t["id"], c["row"], c["col"])
        corr = view.current.get(key)
        cells.append({
            "row": c["row"], "col": c["col"], "rowspan": c.get("rowspan", 1), "colspan": c.get("colspan", 1),
            "bbox": c["bbox"], "text": c.get("base_text", c.get("text", "")), "value": c.get("text", ""),
            "confidence": float(c.get("confidence", 0.0)), "needs_review": bool(c.get("needs_review")),
            "state": _cell_state(c, key in stale), "queued": key in queued, "suggestion": c.get("suggestion"),
            "flags": list(c.get("flags", ())),
            "version": versions.get(key, corr.version if corr else 0),
        })
    return {"id": t["id"], "page": t["page"], "title": t.get("title") or head.get("title", ""),
            "continued": bool(t.get("continued")), "head": head["id"], "type": t.get("type", "generic"),
            "unit": t.get("unit") or head.get("unit", ""), "n_rows": t["n_rows"], "n_cols": t["n_cols"],
            "bbox": t["bbox"], "columns": t.get("columns") or head.get("columns") or {},
            "labels": t.get("labels") or {}, "col_edges": band_edges(t, "col"), "row_edges": band_edges(t, "row"),
            "grid_ok": bool(t.get("grid_ok")), "cells": cells, "role_keys": [],
            "failing_checks": sum(1 for ch in t.get("checks") or [] if ch.get("status") == "fail")}


def value_keys(views: ViewCache, t: dict[str, Any]) -> list[str]:
    """Keys a reviewer can give a column of ``t`` besides the identity roles: its type's column keys (from its
    recogniser's spec) and those in its current column map."""
    keys = {str(k) for k in (t.get("columns") or {}).values()}
    for r in views.pm().recognizers():
        spec = getattr(r, "spec_for", lambda _t: None)(t.get("type", "generic"))
        if spec is not None:
            keys.update(rule.key for rule in spec.columns)
    return sorted(keys - set(IDENTITY_ROLES))


def add_workbench_routes(app: FastAPI, settings: ReviewSettings) -> None:
    views = _views(app, settings)

    @app.get("/api/worklist")
    def worklist(document: str | None = None, limit: int = 500) -> dict[str, Any]:
        docs = [_doc(settings, document)] if document else list_documents(settings.out_dir)
        items: list[dict[str, Any]] = []
        progress = []
        for d in docs:
            view = views.get(d)
            mine = queue_items(view)
            items += mine
            done = len(view.current) + sum(1 for e in view.edits if e not in view.stale_edits)
            progress.append({"name": d, "open": len(mine), "done": done,
                             "structure": sum(i["kind"] == "structure" for i in mine),
                             "failing_checks": view.document.get("check_summary", {}).get("fail", 0),
                             "stale": len(view.stale) + len(view.stale_edits)})
        items.sort(key=lambda i: (i["tier"], -i["harm"], i.get("confidence", 0.0)))
        return {"items": items[: max(0, limit)], "documents": progress}

    @app.get("/api/documents/{doc}/view")
    def document_view(doc: str) -> dict[str, Any]:
        view = views.get(_doc(settings, doc))
        queued = {(i["table"], i["row"], i["col"]) for i in queue_items(view) if i["kind"] == "cell"}
        versions = position_versions(view)
        return {"name": doc, "structure_version": view.structure_version,
                "pages": [{"page": p["page"], "width": p.get("width"), "height": p.get("height")}
                          for p in view.document.get("pages", [])],
                "tables": [{**table_view(view, t, queued, versions), "role_keys": value_keys(views, t)}
                           for t in view.document.get("tables", [])],
                "check_summary": view.document.get("check_summary", {}),
                "stale_corrections": [c.as_dict() for c in view.stale],
                "stale_structure_edits": [e.as_dict() for e in view.stale_edits],
                "structure_edits": [e.as_dict() for e in view.edits], "ops": list(OPS),
                "roles": list(IDENTITY_ROLES)}

    @app.get("/api/documents/{doc}/context/{table}/{row}/{col}")
    def context(doc: str, table: str, row: int, col: int) -> dict[str, Any]:
        view = views.get(_doc(settings, doc))
        t = _table(view, table)
        if not any((c["row"], c["col"]) == (row, col) for c in t["cells"]):
            raise HTTPException(404, "no such cell")
        tv = table_view(view, t, set(), position_versions(view))
        ctx = cell_context(t, row, col)
        records = record_index(view.document)
        reasons = [check_sentence(ch, records, view.document) for ch in document_checks(view.document)
                   if ch.get("status") == "fail" and any((r["table"], r["row"], r["col"]) == (table, row, col)
                                                         for r in ch.get("cells") or [])]
        cell = next(c for c in tv["cells"] if (c["row"], c["col"]) == (row, col))
        return {**ctx, "title": tv["title"], "unit": tv["unit"], "cell": cell, "checks": reasons,
                "flags": explain_flags(cell["flags"]),
                "structure_version": view.structure_version}

    @app.get("/api/documents/{doc}/region/{page}.png")
    def region(doc: str, page: int, box: str) -> Response:
        from pipeline.errors import InputError
        from pipeline.review.store import load_document

        data = load_document(settings.out_dir, _doc(settings, doc))
        if not any(p.get("page") == page for p in data.get("pages", [])):
            raise HTTPException(404, "no such page")
        try:
            x0, top, x1, bottom = (float(v) for v in box.split(","))
            png = pages.render_upright(settings.out_dir, doc, data, page)
        except ValueError:
            raise HTTPException(422, "box=x0,top,x1,bottom expected") from None
        except InputError as exc:
            raise HTTPException(404, str(exc)) from None
        return Response(pages.crop_png(png, (x0, top, x1, bottom)), media_type="image/png")

    @app.post("/api/structure")
    async def structure(request: Request) -> JSONResponse:
        body = parse_body(StructureBody, await read_json(request))
        return await run_in_threadpool(_structure, body)

    def _structure(body: StructureBody) -> JSONResponse:
        doc, table, op, args, seen = body.document, body.table, body.op, dict(body.args), body.version
        view = views.get(_doc(settings, doc))
        t = _table(view, table)
        try:
            clean = validate(op, args, t, value_keys(views, t))
        except EditError as exc:
            raise HTTPException(422, str(exc)) from None
        reviewer = body.reviewer or settings.reviewer
        try:
            edit = settings.store.record_structure(doc, table, op, clean, (int(t["n_rows"]), int(t["n_cols"])),
                                                   reviewer, seen)
        except StructureConflict as exc:
            return JSONResponse({"detail": "the table structure changed since you loaded it",
                                 "current": exc.current}, status_code=409)
        return JSONResponse({"ok": True, "edit": edit.as_dict()})

    @app.post("/api/cells")
    async def cells(request: Request) -> JSONResponse:
        body = parse_body(CellBody, await read_json(request))
        return await run_in_threadpool(_cells, body)

    def _cells(body: CellBody) -> JSONResponse:
        doc, table, row, col, version = body.document, body.table, body.row, body.col, body.version
        grid, text, action = body.grid, body.text, body.action
        view = views.get(_doc(settings, doc))
        t = _table(view, table)
        cell = next((c for c in t["cells"] if (c["row"], c["col"]) == (row, col)), None)
        if cell is None:
            raise HTTPException(404, "no such cell")
        reviewer = body.reviewer or settings.reviewer
        try:
            corr = settings.store.record((doc, table, row, col), old_text=cell.get("base_text", cell.get("text", "")),
                                         new_text=text, action=action, reviewer=reviewer, seen_version=version,
                                         grid=grid, basis=image_key(view.document, t["page"]))
        except VersionConflict as exc:
            current = exc.current.as_dict() if exc.current else None
            return JSONResponse({"detail": "cell or grid changed since you loaded it", "current": current,
                                 "structure_version": settings.store.structure_version(doc)}, status_code=409)
        return JSONResponse({"ok": True, "correction": corr.as_dict()})
