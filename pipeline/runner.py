"""Process one document end to end: the page half (render, orient, find grids, read cells) page by page, then
the document half (:mod:`pipeline.document`: continuations, types, records and checks, document.json) and export.

``process_document`` never raises for a bad input: it returns a failed :class:`DocumentSummary` with a one-line
reason naming the file (and page), and writes no output for it.  A page that fails is recorded with
``status: "error"`` and the other pages go on.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import timing
from pipeline.config import PipelineConfig

# Moved to pipeline.document (issue 10); re-exported for code that still imports them from here.
from pipeline.document.codec import capture_json, document_json, table_json  # noqa: F401
from pipeline.document.continuations import PAGE_FULL, continues, mark_continuations  # noqa: F401
from pipeline.document.recognise import MIN_TYPE_SCORE, document_kind, recognise  # noqa: F401
from pipeline.document.stage import run_document_stage
from pipeline.errors import InputError, PipelineError
from pipeline.export import write_document
from pipeline.geometry import upright_box
from pipeline.interfaces import OcrEngine
from pipeline.lookahead import Ahead, PageReader, Upright, find_upright, look_ahead, needs_ocr, prefetch_wanted
from pipeline.model import BBox, PageImage, PageResult, SkewEstimate, Table, TextLayerCheck
from pipeline.orientation import reads_upright
from pipeline.outputs import OutputOptions
from pipeline.plugin_manager import PluginManager

log = logging.getLogger(__name__)


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


def process_page(pm: PluginManager, page: PageImage, engine: OcrEngine, config: PipelineConfig,
                 ahead: Ahead | None = None) -> PageResult:
    """Text-layer check, orientation, deskew, grids and tables of one rendered page.

    Orientation is estimated first without the OCR engine (quarter turn and skew from the page's ink).  The
    page is read that way up; only when its cells do not read clearly upright (no tables, few or weak lines:
    :func:`pipeline.orientation.reads_upright`) is the estimate asked again with the engine, which reads a few
    text lines both ways up, and a page found upside down is read again turned.  A page the ink finds turned
    by a quarter is voted on first: which way (90 or 270) is a coin toss from the ink alone, and a reading the
    wrong way up costs a whole page (giant cells, detector fallbacks) for nothing.

    ``ahead``: the page's work before recognition, already done (:mod:`pipeline.lookahead`, on another
    thread); its stage times and seconds are booked into the page's."""
    t0 = time.perf_counter()
    with timing.collect() as times:
        with timing.stage("text_layer"):
            check = (pm.check_text_layer(page=page, engine=engine, config=config)
                     if not needs_ocr(page, config) else None)
        if check is not None and check.usable:
            est = SkewEstimate(rotation=check.rotation, skew=0.0)  # a drawn text layer is straight
            read, tables = _read_upright(pm, page, est, check, engine, config)
        else:
            if ahead is None:
                ahead = look_ahead(pm, page, config)
            else:
                times.add(ahead.timings)
            page, est = ahead.page, ahead.estimate
            vote_first = ahead.upright is None  # the ink tells a quarter turn, not which way: vote, then read
            if vote_first:
                with timing.stage("orientation_vote"):
                    est = pm.estimate_orientation(page=page, engine=engine, config=config)
            read, tables = _read_upright(pm, page, est, check, engine, config, ahead.upright)
            if not vote_first and not reads_upright(tables):
                with timing.stage("orientation_vote"):
                    voted = pm.estimate_orientation(page=page, engine=engine, config=config)
                if (voted.rotation, voted.skew) != (est.rotation, est.skew):
                    est = voted
                    with timing.stage("reread"):
                        read, tables = _read_upright(pm, page, est, check, engine, config)
    h, w = page.gray.shape  # the page before it was turned upright: seal boxes move with it
    seconds = time.perf_counter() - t0 + (ahead.seconds if ahead is not None else 0.0)
    return PageResult(page=page.page_number, width=read.width, height=read.height, dpi=read.dpi,
                      rotation=est.rotation, skew=est.skew, text_layer=read.text_layer, source=read.text_source,
                      tables=tuple(tables), seconds=seconds, timings=times.as_tuple(),
                      perspective=page.perspective, seals=upright_seals(page.seals, w, h, est.rotation, est.skew),
                      warnings=page_warnings(tables))


def _read_upright(pm: PluginManager, page: PageImage, est: SkewEstimate, check: TextLayerCheck | None,
                  engine: OcrEngine, config: PipelineConfig, ready: Upright | None = None
                  ) -> tuple[PageImage, list[Table]]:
    """The page turned upright and deskewed by ``est``, and its tables (``ready``: that page and its grids,
    already found)."""
    found = ready if ready is not None else find_upright(pm, page, est, check, config)
    page = found.page
    tables: list[Table] = []
    upper = 0.0
    for i, grid in enumerate(found.grids):
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
        with PageReader(pm, source.render, n_pages, config, prefetch_wanted(config)) as reader:
            for number in range(1, n_pages + 1):
                try:
                    page, ahead = reader.get(number)  # the next page is rendered and looked at meanwhile
                    result = process_page(pm, page, engine, config, ahead)
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
    state = run_document_stage(name, pages, pm, config)  # pipeline.document.stage.STEPS
    analysis = state.analysis
    assert analysis is not None
    pages = list(state.pages)
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
