"""The document half as one ordered list of steps (:data:`STEPS`), run after every page of a document was read.

Each step takes the :class:`DocumentState` so far and returns a new one (nothing is changed in place):

=================  =========================================  ==============================================
step               input                                      output
=================  =========================================  ==============================================
``continuations``  pages in order                             pages, continuing tables marked ``continued``
``types``          tables of the marked pages                 tables repaired and typed, with their notes
``analysis``       typed tables                               :class:`~pipeline.document.analysis.Analysis`
=================  =========================================  ==============================================

The last step of the document, document.json, is :func:`pipeline.document.codec.document_json` (it needs the
source file and the OCR engine, which only the runner knows).  Hooks used: ``register_recognizers`` (types) and
``check_document`` (analysis); see the document-half banner of :mod:`pipeline.hookspecs`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pipeline.config import PipelineConfig
from pipeline.document.analysis import analyse
from pipeline.document.continuations import mark_continuations
from pipeline.document.recognise import recognise
from pipeline.document.result import Analysis
from pipeline.interfaces import TableRecognizer
from pipeline.model import PageResult, Table

if TYPE_CHECKING:
    from pipeline.plugin_manager import PluginManager


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentState:
    """What the document half knows so far about document ``name``."""

    name: str
    pages: tuple[PageResult, ...]
    recognizers: tuple[TableRecognizer, ...] = ()
    tables: tuple[Table, ...] = ()
    analysis: Analysis | None = None


Step = Callable[[DocumentState, "PluginManager | None", PipelineConfig], DocumentState]


def continuations_step(state: DocumentState, pm: PluginManager | None, config: PipelineConfig) -> DocumentState:
    return replace(state, pages=tuple(mark_continuations(list(state.pages))))


def types_step(state: DocumentState, pm: PluginManager | None, config: PipelineConfig) -> DocumentState:
    tables = recognise([t for p in state.pages for t in p.tables], list(state.recognizers))
    return replace(state, tables=tuple(tables))


def analysis_step(state: DocumentState, pm: PluginManager | None, config: PipelineConfig) -> DocumentState:
    return replace(state, analysis=analyse(state.name, state.tables, state.recognizers, pm, config))


#: the document half, in data order
STEPS: tuple[tuple[str, Step], ...] = (
    ("continuations", continuations_step),
    ("types", types_step),
    ("analysis", analysis_step),
)


def run_document_stage(name: str, pages: list[PageResult], pm: PluginManager, config: PipelineConfig
                       ) -> DocumentState:
    """Every step of :data:`STEPS` in order on the pages of document ``name``."""
    state = DocumentState(name=name, pages=tuple(pages), recognizers=tuple(pm.recognizers()))
    for _name, step in STEPS:
        state = step(state, pm, config)
    return state
