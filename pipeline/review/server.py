"""The review web app: a FastAPI app over an output folder (queue, table view, corrections, export).

Imported lazily by ``fiscalscan review``; FastAPI and uvicorn are the optional ``review`` extra.
"""

from __future__ import annotations

import hmac
import secrets
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.plugin_manager import require

if TYPE_CHECKING:
    from pipeline.review.validation import CorrectionBody
from pipeline.review import pages
from pipeline.review.reviewed import export_all
from pipeline.review.security import install_guards, is_loopback
from pipeline.review.settings import ReviewSettings
from pipeline.review.store import (
    Correction,
    VersionConflict,
    cell_index,
    failed_checks_by_cell,
    image_key,
    is_stale,
    list_documents,
    load_document,
    page_keys,
)

require("fastapi", "review")

from fastapi import FastAPI, HTTPException, Request  # noqa: E402
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response  # noqa: E402

from pipeline.review.workbench import add_workbench_routes  # noqa: E402

COOKIE = "fiscalscan_review_token"
SERVED_SUFFIXES = {".json", ".csv", ".png"}


def resolve_token(host: str, token: str | None) -> tuple[str | None, bool]:
    """The token to require and whether it was generated (non-loopback binds always get one)."""
    if token:
        return token, False
    if is_loopback(host):
        return None, False
    return secrets.token_urlsafe(24), True


# ------------------------------------------------------------------------------------------- model views


def cell_state(corr: Correction | None, stale: bool) -> str:
    if corr is None:
        return "unreviewed"
    if stale:
        return "stale"
    return "accepted" if corr.action == "accept" else "corrected"


def cell_view(doc: str, table: dict[str, Any], cell: dict[str, Any], corr: Correction | None,
              stale: bool, failed: list[str]) -> dict[str, Any]:
    return {
        "document": doc, "table": table["id"], "page": table["page"], "row": cell["row"], "col": cell["col"],
        "rowspan": cell.get("rowspan", 1), "colspan": cell.get("colspan", 1), "bbox": cell["bbox"],
        "text": cell.get("text", ""), "confidence": cell.get("confidence", 0.0),
        "needs_review": bool(cell.get("needs_review")), "suggestion": cell.get("suggestion"),
        "failed_check": bool(failed), "failed_checks": failed, "state": cell_state(corr, stale), "stale": stale,
        "value": corr.new_text if corr and not stale else cell.get("text", ""),
        "version": corr.version if corr else 0, "correction": corr.as_dict() if corr else None,
    }


def document_cells(settings: ReviewSettings, doc: str) -> list[dict[str, Any]]:
    document = load_document(settings.out_dir, doc)
    latest = settings.store.latest(doc)
    cells = cell_index(document)
    keys = page_keys(document)
    out = []
    for table in document.get("tables", []):
        failed = failed_checks_by_cell(table)
        for cell in table["cells"]:
            corr = latest.get((doc, table["id"], cell["row"], cell["col"]))
            stale = corr is not None and is_stale(corr, cells, keys)
            out.append(cell_view(doc, table, cell, corr, stale, failed.get((cell["row"], cell["col"]), [])))
    return out


def in_queue(cell: dict[str, Any]) -> bool:
    return (cell["needs_review"] or cell["failed_check"] or cell["stale"]) and cell["state"] in (
        "unreviewed", "stale")


def queue_key(cell: dict[str, Any]) -> tuple[Any, ...]:
    return (not cell["failed_check"], not cell["stale"], cell["confidence"], cell["document"], cell["table"],
            cell["row"], cell["col"])


def stale_corrections(settings: ReviewSettings, doc: str) -> list[dict[str, Any]]:
    docs = set(list_documents(settings.out_dir))
    document = load_document(settings.out_dir, doc) if doc in docs else {}
    cells, keys = cell_index(document), page_keys(document)
    return [c.as_dict() for c in settings.store.latest(doc).values() if is_stale(c, cells, keys)]


def header_refs(table: dict[str, Any], row: int, col: int) -> dict[str, Any]:
    """The cells heading ``row`` (first column) and ``col`` (first row covering it), as (row, col)."""
    row_head = next((c for c in table["cells"] if c["col"] == 0 and c["row"] <= row < c["row"] + c.get(
        "rowspan", 1)), None)
    col_head = next((c for c in sorted(table["cells"], key=lambda c: c["row"]) if c["col"] <= col < c["col"]
                     + c.get("colspan", 1)), None)

    def ref(c: dict[str, Any] | None) -> dict[str, Any] | None:
        if c is None or (c["row"], c["col"]) == (row, col):
            return None
        return {"row": c["row"], "col": c["col"], "text": c.get("text", "")}

    return {"row_header": ref(row_head), "col_header": ref(col_head)}


# ------------------------------------------------------------------------------------------- app


def create_app(settings: ReviewSettings) -> FastAPI:
    app = FastAPI(title="fiscalscan review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    _install_auth(app, settings.token)
    install_guards(app, settings.allowed_hosts)  # after: runs first
    _install_validation_errors(app)
    _add_static_routes(app)
    _add_api_routes(app, settings)
    add_workbench_routes(app, settings)
    _add_file_routes(app, settings)
    return app


def _install_validation_errors(app: FastAPI) -> None:
    """422 for malformed path/query parameters, without echoing the input (it may not be encodable)."""
    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg"))}
                                        for e in exc.errors()]}, status_code=422)


def _install_auth(app: FastAPI, token: str | None) -> None:
    if not token:
        return

    @app.middleware("http")
    async def check_token(request: Request, call_next: Any) -> Response:
        given = request.query_params.get("token")
        if given is not None and hmac.compare_digest(given.encode(), token.encode()):
            url = request.url.remove_query_params("token")
            resp = RedirectResponse(str(url.path) + (f"?{url.query}" if url.query else ""), status_code=303)
            resp.set_cookie(COOKIE, token, httponly=True, samesite="strict")
            return resp
        auth = request.headers.get("authorization", "")
        bearer = auth[7:] if auth.lower().startswith("bearer ") else ""
        cookie = request.cookies.get(COOKIE, "")
        if any(v and hmac.compare_digest(v.encode(), token.encode()) for v in (bearer, cookie)):
            return await call_next(request)
        return JSONResponse({"detail": "unauthorized"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})


def _static(name: str) -> str:
    return resources.files("pipeline.review").joinpath("static", name).read_text(encoding="utf-8")


def _add_static_routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return Response(_static("index.html"), media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    @app.get("/static/app.js", include_in_schema=False)
    def app_js() -> Response:
        return Response(_static("app.js"), media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "no-store"})


def _known_doc(settings: ReviewSettings, doc: str) -> str:
    if doc not in list_documents(settings.out_dir):
        raise HTTPException(404, "no such document")
    return doc


def _add_api_routes(app: FastAPI, settings: ReviewSettings) -> None:
    @app.get("/api/config")
    def config() -> dict[str, Any]:
        return {"reviewer": settings.reviewer, "out_dir": settings.out_dir.name}

    @app.get("/api/documents")
    def documents() -> list[dict[str, Any]]:
        out = []
        for doc in list_documents(settings.out_dir):
            cells = document_cells(settings, doc)
            review = [c for c in cells if c["needs_review"] or c["failed_check"] or c["stale"]]
            out.append({"name": doc, "to_review": len(review), "left": sum(map(in_queue, cells)),
                        "stale": sum(c["stale"] for c in cells),
                        "stale_corrections": len(stale_corrections(settings, doc))})
        return out

    @app.get("/api/queue")
    def queue(document: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        docs = [_known_doc(settings, document)] if document else list_documents(settings.out_dir)
        items = [c for d in docs for c in document_cells(settings, d) if in_queue(c)]
        return sorted(items, key=queue_key)[: max(0, limit)]

    @app.get("/api/documents/{doc}")
    def document(doc: str) -> dict[str, Any]:
        data = load_document(settings.out_dir, _known_doc(settings, doc))
        cells = document_cells(settings, doc)
        tables = [{k: v for k, v in t.items() if k != "cells"} for t in data.get("tables", [])]
        for t in tables:
            t["cells"] = [c for c in cells if c["table"] == t["id"]]
        return {"name": doc, "pages": data.get("pages", []), "tables": tables,
                "stale_corrections": stale_corrections(settings, doc)}

    @app.get("/api/documents/{doc}/cells/{table}/{row}/{col}")
    def cell(doc: str, table: str, row: int, col: int) -> dict[str, Any]:
        data = load_document(settings.out_dir, _known_doc(settings, doc))
        hit = cell_index(data).get((table, row, col))
        if hit is None:
            raise HTTPException(404, "no such cell")
        view = next(c for c in document_cells(settings, doc) if (c["table"], c["row"], c["col"]) == (
            table, row, col))
        return {**view, **header_refs(hit[0], row, col)}

    @app.get("/api/stale")
    def stale() -> list[dict[str, Any]]:
        docs = {d for c in settings.store.latest().values() for d in [c.document]}
        return [s for d in sorted(docs) for s in stale_corrections(settings, d)]

    @app.post("/api/corrections")
    async def correct(request: Request) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        from pipeline.review.validation import parse_correction, read_json

        body = parse_correction(await read_json(request))
        return await run_in_threadpool(_record, settings, body)

    @app.get("/api/documents/{doc}/pages/{page}.png")
    def page_png(doc: str, page: int) -> FileResponse:
        data = load_document(settings.out_dir, _known_doc(settings, doc))
        return FileResponse(_render(settings, doc, data, page), media_type="image/png")

    @app.get("/api/documents/{doc}/crop/{table}/{row}/{col}.png")
    def crop(doc: str, table: str, row: int, col: int) -> Response:
        data = load_document(settings.out_dir, _known_doc(settings, doc))
        hit = cell_index(data).get((table, row, col))
        if hit is None:
            raise HTTPException(404, "no such cell")
        png = _render(settings, doc, data, hit[0]["page"])
        return Response(pages.crop_png(png, tuple(hit[1]["bbox"])), media_type="image/png")

    @app.post("/api/export")
    def export() -> list[dict[str, Any]]:
        return export_all(settings.out_dir, settings.store)


def _render(settings: ReviewSettings, doc: str, data: dict[str, Any], page: int) -> Path:
    from pipeline.errors import InputError

    if not any(p.get("page") == page for p in data.get("pages", [])):
        raise HTTPException(404, "no such page")
    try:
        return pages.render_upright(settings.out_dir, doc, data, page)
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None


def _record(settings: ReviewSettings, body: CorrectionBody) -> JSONResponse:
    doc, table, row, col, version = body.document, body.table, body.row, body.col, body.version
    text, action = body.text, body.action
    document = load_document(settings.out_dir, _known_doc(settings, doc))
    hit = cell_index(document).get((table, row, col))
    if hit is None:
        raise HTTPException(404, "no such cell")
    reviewer = body.reviewer or settings.reviewer
    try:
        corr = settings.store.record((doc, table, row, col), old_text=hit[1].get("text", ""), new_text=text,
                                     action=action, reviewer=reviewer, seen_version=version,
                                     basis=image_key(document, hit[0]["page"]))
    except VersionConflict as exc:
        current = exc.current.as_dict() if exc.current else None
        return JSONResponse({"detail": "cell changed since you loaded it", "current": current},
                            status_code=409)
    return JSONResponse({"ok": True, "correction": corr.as_dict()})


def _add_file_routes(app: FastAPI, settings: ReviewSettings) -> None:
    @app.get("/files/{path:path}")
    def files(path: str) -> FileResponse:
        return FileResponse(safe_file(settings.out_dir, path))


def safe_file(root: Path, rel: str) -> Path:
    """``root/rel`` if it is a servable file inside ``root``; 403 outside it, 404 when absent."""
    try:
        target = (root / rel).resolve()
    except (ValueError, OSError, RuntimeError):  # NUL byte, name too long, symlink loop
        raise HTTPException(404, "not found") from None
    if not target.is_relative_to(root) or target.name.startswith("review.sqlite"):
        raise HTTPException(403, "forbidden")
    if not target.is_file() or target.suffix.lower() not in SERVED_SUFFIXES:
        raise HTTPException(404, "not found")
    return target
