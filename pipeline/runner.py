"""Process one document end to end: render, orient, find grids, read cells, recognise types, export.

``process_document`` never raises for a bad input: it returns a failed :class:`DocumentSummary` with a one-line
reason naming the file (and page), and writes no output for it.  A page that fails is recorded with
``status: "error"`` and the other pages go on.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipeline import __version__, timing
from pipeline.analysis import Analysis, analyse, checks_touching
from pipeline.config import PipelineConfig
from pipeline.errors import InputError, PipelineError
from pipeline.export import SCHEMA, table_to_json, write_document
from pipeline.geometry import upright, upright_box, upright_chars
from pipeline.interfaces import OcrEngine, TableRecognizer
from pipeline.model import BBox, PageImage, PageResult, SkewEstimate, Table, TextLayerCheck
from pipeline.orientation import reads_upright
from pipeline.outputs import OutputOptions
from pipeline.plugin_manager import PluginManager
from pipeline.records import header_labels

log = logging.getLogger(__name__)

MIN_TYPE_SCORE = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentSummary:
    path: str
    name: str
    status: str  # "ok" | "failed"
    error: str | None = None
    out_dir: str | None = None
    sha256: str | None = None
    pages: int = 0
    page_errors: int = 0
    tables: int = 0
    cells: int = 0
    review_cells: int = 0
    checks_failed: int = 0  # arithmetic checks that failed (printed errors or misreadings: see document.json)
    seconds: float = 0.0


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def process_page(pm: PluginManager, page: PageImage, engine: OcrEngine, config: PipelineConfig
                 ) -> PageResult:
    """Text-layer check, orientation, deskew, grids and tables of one rendered page.

    Orientation is estimated first without the OCR engine (quarter turn and skew from the page's ink).  The
    page is read that way up; only when its cells do not read clearly upright (no tables, few or weak lines:
    :func:`pipeline.orientation.reads_upright`) is the estimate asked again with the engine, which reads a few
    text lines both ways up, and a page found upside down is read again turned."""
    t0 = time.perf_counter()
    with timing.collect() as times:
        with timing.stage("text_layer"):
            check = (pm.check_text_layer(page=page, engine=engine, config=config)
                     if page.chars and not config.force_ocr else None)
        if check is not None and check.usable:
            est = SkewEstimate(rotation=check.rotation, skew=0.0)  # a drawn text layer is straight
            read, tables = _read_upright(pm, page, est, check, engine, config)
        else:
            with timing.stage("prepare"):
                page = pm.prepare_page(page=page, config=config)  # photographed sheet rectified, seals suppressed
            with timing.stage("orientation"):
                est = pm.estimate_orientation(page=page, engine=None, config=config)
            read, tables = _read_upright(pm, page, est, check, engine, config)
            if not reads_upright(tables):
                with timing.stage("orientation_vote"):
                    voted = pm.estimate_orientation(page=page, engine=engine, config=config)
                if (voted.rotation, voted.skew) != (est.rotation, est.skew):
                    est = voted
                    with timing.stage("reread"):
                        read, tables = _read_upright(pm, page, est, check, engine, config)
    h, w = page.gray.shape  # the page before it was turned upright: seal boxes move with it
    return PageResult(page=page.page_number, width=read.width, height=read.height, dpi=read.dpi,
                      rotation=est.rotation, skew=est.skew, text_layer=read.text_layer, source=read.text_source,
                      tables=tuple(tables), seconds=time.perf_counter() - t0, timings=times.as_tuple(),
                      perspective=page.perspective, seals=upright_seals(page.seals, w, h, est.rotation, est.skew),
                      warnings=page_warnings(tables))


def _read_upright(pm: PluginManager, page: PageImage, est: SkewEstimate, check: TextLayerCheck | None,
                  engine: OcrEngine, config: PipelineConfig) -> tuple[PageImage, list[Table]]:
    """The page turned upright and deskewed by ``est``, and its tables."""
    with timing.stage("upright"):
        h, w = page.gray.shape
        page = replace(page, gray=upright(page.gray, est.rotation, est.skew), rotation=est.rotation,
                       skew=est.skew, chars=upright_chars(page.chars, w, h, est.rotation, est.skew),
                       text_check=check, color=None)
    with timing.stage("grids"):
        grids = pm.detect_grids(page=page, config=config)
    tables: list[Table] = []
    upper = 0.0
    for i, grid in enumerate(grids):
        table_id = f"p{page.page_number:03d}-t{i + 1}"
        with timing.stage("tables"):
            table = pm.build_table(page=page, grid=grid, engine=engine, table_id=table_id, upper_bound=upper,
                                   config=config)
        if table is not None:
            tables.append(table)
        upper = max(upper, grid.bbox.bottom)
    return page, tables


def upright_seals(seals: tuple[BBox, ...], width: int, height: int, rotation: int, skew: float
                  ) -> tuple[BBox, ...]:
    """Seal boxes moved with their page by :func:`pipeline.geometry.upright`."""
    return tuple(upright_box(b, width, height, rotation, skew) for b in seals)


def page_warnings(tables: list[Table]) -> tuple[str, ...]:
    """What a guard cut short on the page (a pathological page degrades instead of stalling the batch): cells
    carrying a guard's flag (by convention ``<what>-budget``, e.g. ``detector-budget``), counted per flag."""
    from collections import Counter

    n = Counter(f for t in tables for c in t.cells for f in c.flags if f.endswith("-budget"))
    return tuple(f"{flag}: {k} cells read with less work than usual and sent to review"
                 for flag, k in sorted(n.items()))


#: a table whose bottom lies below this share of its page's height may continue on the next page
PAGE_FULL = 0.75


def continues(first: Table, prev: Table | None, head_title: str = "", prev_full: bool = True) -> bool:
    """Whether ``first`` (the first table of its page) continues ``prev`` (the previous page's last table, whose
    logical table is titled ``head_title``; ``prev_full``: it runs to the foot of its page): it has no title and
    no header block of another layout, a title marked （续）, or its head's title again with the same columns
    below a table that filled its page (separate tables of one title, one per project, start afresh)."""
    from pipeline.captions import is_continued_title
    from pipeline.tabletypes import norm

    if prev is None:
        return False
    if first.title:
        return is_continued_title(first.title) or (
            prev_full and bool(norm(head_title)) and norm(first.title) == norm(head_title)
            and first.n_cols == prev.n_cols)
    return not (first.n_cols != prev.n_cols and header_labels(first))


def mark_continuations(pages: list[PageResult]) -> list[PageResult]:
    """Mark every page's first table that continues the previous page's last table (:func:`continues`); a
    table with its own column labels and another number of columns is a new table whose title was not read."""
    out: list[PageResult] = []
    prev: Table | None = None
    prev_full = False
    head_title = ""
    for p in pages:
        tables = list(p.tables)
        if tables and continues(tables[0], prev, head_title, prev_full):
            tables[0] = replace(tables[0], continued=True)
        for t in tables:
            head_title = head_title if t.continued else t.title
        out.append(replace(p, tables=tuple(tables)))
        prev = p.tables[-1] if p.status == "ok" and p.tables else None
        prev_full = prev is not None and prev.bbox.bottom >= PAGE_FULL * max(p.height, 1)
    return out


def document_kind(tables: list[Table]) -> str | None:
    """"final" or "budget" when most tables whose title or header decides say so; None otherwise."""
    from collections import Counter

    from pipeline.tabletypes import header_text, table_kind

    kinds = Counter(k for t in tables if not t.continued for k, _src in [table_kind(t.title, header_text(t))] if k)
    if not kinds:
        return None
    (best, n), *rest = kinds.most_common()
    return best if not rest or n > rest[0][1] else None


def recognise(tables: list[Table], recognizers: list[TableRecognizer]) -> list[Table]:
    """Type every table (after removing the column boundaries its rows do not support, see
    :mod:`pipeline.structure`): the best typed recogniser scoring above ``MIN_TYPE_SCORE``, else ``generic``;
    a continuation carries its head's type.  Tables whose own title and header say neither 决算 nor 预算 are
    given the document's kind (the majority of those that do) as a hint (``extra["document_kind"]``)."""
    from pipeline.structure import repair_tables

    tables = repair_tables(tables)
    generic = next((r for r in recognizers if r.name == "generic"), None)
    hint = document_kind(tables)
    out: list[Table] = []
    for table in tables:
        t = replace(table, extra={**table.extra, "document_kind": hint}) if hint else table
        if t.continued and out:
            head = out[-1]
            out.append(replace(table, type=head.type, type_confidence=head.type_confidence))
            continue
        scored = sorted(((r.score(t), r) for r in recognizers if r.name != "generic"),
                        key=lambda x: -x[0])
        chosen = scored[0][1] if scored and scored[0][0] >= MIN_TYPE_SCORE else generic
        if chosen is None:
            out.append(table)
            continue
        rec = chosen.recognize(t)
        extra = dict(table.extra)
        if rec.columns:
            extra["columns"] = {str(k): v for k, v in rec.columns.items()}
        extra.update(rec.extra)
        out.append(replace(table, type=rec.type, type_confidence=rec.type_confidence, extra=extra))
    return out


def table_json(table: Table, config: PipelineConfig, analysis: Analysis | None) -> dict[str, Any]:
    out = table_to_json(table, config.review_threshold)
    if analysis is not None:
        out["records"] = [r.to_json() for r in analysis.records if r.part == table.id]
        out["checks"] = checks_touching(table.id, analysis.checks)
    return out


def capture_json(p: PageResult) -> dict[str, Any]:
    """The page's capture record, present only when something was done or noticed: ``perspective`` (3×3
    homography, input pixels -> page before rotation/deskew), ``seals`` (boxes on the upright page),
    ``warnings``."""
    out: dict[str, Any] = {}
    if p.perspective is not None:
        out["perspective"] = list(p.perspective)
    if p.seals:
        out["seals"] = [b.as_list() for b in p.seals]
    if p.warnings:
        out["warnings"] = list(p.warnings)
    return out


def document_json(path: str, sha: str, n_pages: int, pages: list[PageResult], tables: list[Table],
                  config: PipelineConfig, engine: OcrEngine | None, analysis: Analysis | None = None
                  ) -> dict[str, Any]:
    checks = {} if analysis is None else {"check_summary": analysis.summary(),
                                          "checks": [c.to_json() for c in analysis.checks]}
    return {
        "schema": SCHEMA,
        "generator": {"name": "fiscalscan", "version": __version__,
                      **({"ocr": engine.describe()} if engine is not None else {})},
        "source": {"path": path, "sha256": sha, "pages": n_pages},
        "review_threshold": config.review_threshold,
        "pages": [{"page": p.page, "width": p.width, "height": p.height, "dpi": p.dpi, "rotation": p.rotation,
                   "skew": p.skew, "text_layer": p.text_layer, "status": p.status, "error": p.error,
                   "source": p.source, "tables": len(p.tables), "seconds": round(p.seconds, 3),
                   **({"timings": {k: round(v, 4) for k, v in p.timings}} if config.timings else {}),
                   **capture_json(p)} for p in pages],
        "tables": [table_json(t, config, analysis) for t in tables],
        **checks,
    }


def process_document(path: str | Path, out_root: str | Path, config: PipelineConfig,
                     pm: PluginManager | None = None, name: str | None = None,
                     on_page: Callable[[int, int], None] | None = None) -> DocumentSummary:
    """Run the pipeline on one input file and write ``out_root/<name>/``; never raises for bad input."""
    t0 = time.perf_counter()
    path = str(path)
    name = name or Path(path).stem
    pm = pm or PluginManager()
    try:
        sha = sha256_of(path)
    except OSError as exc:
        return DocumentSummary(path=path, name=name, status="failed", error=f"{path}: {exc.strerror or exc}",
                               seconds=time.perf_counter() - t0)
    try:
        source = pm.open_document(path=path, config=config)
    except PipelineError as exc:
        return DocumentSummary(path=path, name=name, status="failed", error=one_line(exc), sha256=sha,
                               seconds=time.perf_counter() - t0)
    engine: OcrEngine | None = None
    pages: list[PageResult] = []
    with source:
        n_pages = source.n_pages
        try:
            engine = pm.get_ocr_engine(config=config)
        except PipelineError as exc:
            return DocumentSummary(path=path, name=name, status="failed", error=one_line(exc), sha256=sha,
                                   pages=n_pages, seconds=time.perf_counter() - t0)
        for number in range(1, n_pages + 1):
            try:
                page = source.render(number)
                result = process_page(pm, page, engine, config)
            except InputError as exc:
                result = _error_page(number, config, one_line(exc))
            except Exception as exc:  # a bug or a broken page must not stop the document
                log.exception("%s page %d failed", path, number)
                result = _error_page(number, config, f"{path} page {number}: {type(exc).__name__}: "
                                                     f"{one_line(exc)}")
            pages.append(result)
            pm.page_done(result=result, config=config)
            if on_page is not None:
                on_page(number, n_pages)
    pages = mark_continuations(pages)
    recognizers = pm.recognizers()
    tables = recognise([t for p in pages for t in p.tables], recognizers)
    analysis = analyse(name, tables, recognizers, pm, config)
    doc = document_json(path, sha, n_pages, pages, analysis.tables, config, engine, analysis)
    page_errors = sum(p.status == "error" for p in pages)
    if page_errors == n_pages:
        first = next(p.error for p in pages if p.error)
        return DocumentSummary(path=path, name=name, status="failed", error=first, sha256=sha, pages=n_pages,
                               page_errors=page_errors, seconds=time.perf_counter() - t0)
    try:
        out_dir = write_document(Path(out_root), name, doc, config.write_csv,
                                 outputs=OutputOptions.from_config(config), pm=pm)
    except OSError as exc:  # disk full, read-only, permissions: this document fails, the others go on
        return DocumentSummary(path=path, name=name, status="failed", sha256=sha, pages=n_pages,
                               error=f"{path}: cannot write {Path(out_root) / name}: {exc.strerror or exc}",
                               seconds=time.perf_counter() - t0)
    pm.document_done(document=doc, out_dir=str(out_dir), config=config)
    cells = [c for t in doc["tables"] for c in t["cells"]]
    return DocumentSummary(path=path, name=name, status="ok", out_dir=str(out_dir), sha256=sha, pages=n_pages,
                           page_errors=page_errors, tables=len(doc["tables"]), cells=len(cells),
                           review_cells=sum(c["needs_review"] for c in cells),
                           checks_failed=analysis.summary()["fail"],
                           error=next((p.error for p in pages if p.error), None),
                           seconds=time.perf_counter() - t0)


def _error_page(number: int, config: PipelineConfig, message: str) -> PageResult:
    return PageResult(page=number, width=0, height=0, dpi=config.dpi, status="error", error=message)
