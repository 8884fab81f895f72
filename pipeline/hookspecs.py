"""Hook specifications of the fiscalscan pipeline.

Every hook is called by :class:`pipeline.plugin_manager.PluginManager` with keyword arguments only, in the
worker process that handles the document.  Implementations may accept a subset of the arguments, so new
arguments can be appended to a spec without breaking plugins; existing ones are never reordered.

Lifecycle, per document (each banner below declares the hooks of one part, in this order)::

    PAGE HALF (pipeline.runner.process_page), for each page:
        open_document -> DocumentSource.render -> check_text_layer (pages with characters)
        -> prepare_page and estimate_orientation (unless the text layer is used) -> detect_grids
        -> get_ocr_engine (once) -> build_table (per grid) -> page_done
    Threads: with two cores or more, a scanned page's render, prepare_page, estimate_orientation (the call
    without an engine) and detect_grids run on a look-ahead thread (pipeline.lookahead; two pages at once, each
    on its own) while build_table of an earlier page runs on the caller's; every hook of one page is still
    called in the order above.  These four must not keep unguarded state shared between pages
    (FISCALSCAN_PREFETCH=0 runs everything on one).
    DOCUMENT HALF (pipeline.document.stage.STEPS), once the pages are read:
        continuations (pipeline.document.continuations: no hook)
        -> types (pipeline.document.recognise: register_recognizers)
        -> analysis (pipeline.document.analysis: logical tables and records, the types' within-table checks,
           check_document across tables, checks fused into cell confidence)
        -> document.json (pipeline.document.codec) -> document_done

Built-in implementations live in ``plugins/`` and are registered through the same ``fiscalscan.plugins``
entry-point group third-party packages use.  The last registered implementation runs first, so a third-party
``firstresult`` hook overrides a built-in one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline import hookspec

if TYPE_CHECKING:
    from pipeline.config import PipelineConfig
    from pipeline.document.checks.engine import CheckResult
    from pipeline.document.records import LogicalTable
    from pipeline.interfaces import DocumentSource, OcrEngine, TableRecognizer
    from pipeline.model import Grid, PageImage, PageResult, SkewEstimate, Table, TextLayerCheck


# =========================================================================== PAGE HALF: one page at a time
# --------------------------------------------------------------------------- input


@hookspec(firstresult=True)
def open_document(path: str, config: PipelineConfig) -> DocumentSource | None:
    """Open ``path`` as a paged document, or return None if this plugin does not handle its format.

    Raise :class:`pipeline.errors.InputError` (naming the file, and the page where one is at fault) when the
    file is of this plugin's format but cannot be read: empty, truncated, encrypted, zero pages, or an image
    larger than ``config.max_pixels``.  Built-in: ``plugins.render.pdfium`` (PDF via pypdfium2, PNG/JPEG/TIFF
    via OpenCV/Pillow, multi-page TIFF included).
    """


@hookspec(firstresult=True)
def check_text_layer(page: PageImage, engine: OcrEngine, config: PipelineConfig) -> TextLayerCheck | None:
    """Decide whether the page's own text layer (``page.chars``, page pixels as rendered) is usable instead
    of OCR, and how certain its text is.

    Called by the core before orientation, only for pages with characters and never with
    ``config.force_ocr``.  ``engine`` may read a sample of the layer's text from ``page.gray`` to check it.
    Return a :class:`~pipeline.model.TextLayerCheck`: when ``usable``, the core turns the page by its
    ``rotation`` (no deskew: the layer is drawn straight), records ``"source": "text_layer"`` for the page
    and ``build_table`` implementations read the cells from the characters; otherwise the page is OCR'd.
    Return None to let the next implementation decide (none deciding means OCR).  Built-in:
    ``plugins.textlayer.pdf_chars`` (its docstring states the usability rule).
    """


# --------------------------------------------------------------------------- page geometry


@hookspec(firstresult=True)
def prepare_page(page: PageImage, config: PipelineConfig) -> PageImage | None:
    """Clean a captured page before orientation (pages read by OCR only, never text-layer pages): crop a
    photographed sheet to its paper and undo its perspective, suppress red/blue stamp ink (seals) of a colour
    page (``page.color``) in ``page.gray`` so that grids and OCR see the black print under it.

    Return the new page, recording a rectification as ``perspective`` (3×3 homography, row-major, from the
    input's pixels to the new page's; the dpi may change when the sheet's size is known) and the suppressed
    seals as ``seals`` (boxes in the new page's pixels); or None to keep the page as it is (a grey scan).
    The core writes both to document.json's page (``perspective``, ``seals`` mapped to the upright page).
    Built-in: ``plugins.deskew.capture``.
    """


@hookspec(firstresult=True)
def estimate_orientation(page: PageImage, engine: OcrEngine | None, config: PipelineConfig
                         ) -> SkewEstimate | None:
    """Estimate the quarter-turn rotation and residual skew of a scanned page (not called for a page whose
    text layer is used: ``check_text_layer`` gives its rotation).

    Called once per page with ``engine=None``: estimate from the page's ink alone, without reading it (no
    upside-down decision).  The core reads the page that way up and, only when its cells do not read clearly
    upright (``pipeline.orientation.reads_upright``: no tables, few or weak CJK lines) or when the estimate is
    a quarter turn (90 or 270: which way is not known from the ink; then before reading), calls again with the
    page and the engine, which may be used to read a few text-line crops both ways up (orientation is
    decided once per page; per-line orientation classifiers flip short codes such as "99" -> "66" and are
    never used on cells).  The second call gets the same page object, so an implementation may reuse its
    first estimate.

    Return None to let the next implementation decide.  The core applies the rotation and deskew and records
    both in document.json (``rotation`` in 0/90/180/270, ``skew`` in degrees, counter-clockwise positive as
    found on the scan).  Built-in: ``plugins.deskew.projection``.
    """


# --------------------------------------------------------------------------- OCR


@hookspec(firstresult=True)
def get_ocr_engine(config: PipelineConfig) -> OcrEngine | None:
    """Return the :class:`~pipeline.interfaces.OcrEngine` named by ``config.ocr_engine``, or None if this
    plugin does not provide it.  Raise :class:`~pipeline.errors.MissingDependencyError` when the engine is
    selected but its package or model files are missing.  Called once per document (engines cache their
    sessions).  Built-in: ``plugins.ocr.ppocr_onnx`` ("ppocr-onnx"), ``plugins.ocr.paddleocr`` ("paddleocr", optional
    extra ``paddle``).
    """


# --------------------------------------------------------------------------- tables


@hookspec
def detect_grids(page: PageImage, config: PipelineConfig) -> list[Grid]:
    """Find ruled table grids on an upright, deskewed page.  Collect hook: the results of all implementations
    are pooled, and the core drops a grid that mostly overlaps a larger one.  Must be cheap: pages without a
    ruled table never reach OCR.  Built-in: ``plugins.grid.lattice``.
    """


@hookspec(firstresult=True)
def build_table(page: PageImage, grid: Grid, engine: OcrEngine, table_id: str, upper_bound: float,
                config: PipelineConfig) -> Table | None:
    """Read the cells of ``grid`` and return a :class:`~pipeline.model.Table` with one cell per span, text and
    confidence per cell, and the caption printed above the table as ``title`` (searched between
    ``upper_bound``, the bottom of the previous table on the page or 0, and the table).  ``page.text_source``
    says whether the page's text layer is to be used.  Built-in: ``plugins.textlayer.pdf_chars`` (pages read
    from their text layer; returns None for the others), then ``plugins.cells.reconstruct`` (OCR).
    """


# =========================================================================== DOCUMENT HALF: the whole document
# --------------------------------------------------------------------------- types (pipeline.document.recognise)


@hookspec
def register_recognizers() -> list[type[TableRecognizer]]:
    """Return table-recogniser classes.  Collect hook; names must be unique.  The core instantiates each once
    per document, asks every one to ``score`` each table and lets the best above 0.5 ``recognize`` it; the
    ``generic`` recogniser handles the rest, so no table is ever dropped.  The returned
    :class:`~pipeline.model.RecognizedTable`'s ``columns``, ``labels``, ``header_rows`` and ``blocks`` become
    the table's typed notes (:class:`pipeline.document.notes.TableNotes`), written to document.json.
    """


# --------------------------------------------------------------------------- analysis (pipeline.document.analysis)


@hookspec
def check_document(tables: list[LogicalTable], config: PipelineConfig) -> list[CheckResult]:
    """Arithmetic identities across the document's logical tables (continuations joined, records normalised),
    e.g. 收入支出决算总表's 本年收入合计 = 收入决算表's 合计.  Return checks built with
    :func:`pipeline.document.checks.engine.evaluate` / :func:`~pipeline.document.checks.engine.equality`
    (``table`` ""), or an empty list.  All implementations' checks are reported and fused into cell confidence.
    Within-table checks are declared by the table types (``TypeSpec.checks`` / ``TableRecognizer.check_rules``).
    Built-in: ``plugins.checks.identities``.
    """


# =========================================================================== sinks (progress, diagnostics, output)


@hookspec
def page_done(result: PageResult, config: PipelineConfig) -> None:
    """Called after each page is processed (progress reporting, diagnostics).  Must not raise."""


@hookspec
def document_done(document: dict[str, object], out_dir: str, config: PipelineConfig) -> None:
    """Called with the finished document.json content after it was written to ``out_dir``.  Must not raise."""
