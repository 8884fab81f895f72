"""A typed facade over pluggy: one keyword-only method per hook, with checks on the results.

Every plugin, built-in or not, is an entry point of the ``fiscalscan.plugins`` group, loaded (its module
imported) when a manager is built, never when ``pipeline`` is imported.  Registration order: the built-in entry
points (:data:`plugins.BUILTIN`, the order pyproject.toml declares them), then the group's other installed
entry points (third-party packages; ``entrypoints=False`` leaves them out), then ``extra`` plugins.  A name
that is blocked or already registered is skipped.  The last registered implementation of a firstresult hook
runs first.  Registration is idempotent.  ``FISCALSCAN_TRACE_PLUGINS=1`` logs every hook call.

This module knows the hook contract (:mod:`pipeline.hookspecs`) and the core data types, not the fiscal
domain: the types of the document hooks are imported for type checking only.

A plugin whose optional packages or model files are missing still registers (its hooks raise
``MissingDependencyError`` when selected); it may define ``unavailable_reason() -> str | None`` (cheap, no
heavy imports) so that ``fiscalscan plugins`` can say why it cannot run here.
"""
from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterable
from importlib import metadata
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from pipeline import PROJECT, hookspecs
from pipeline.errors import ConfigError, MissingDependencyError, PipelineError
from pipeline.interfaces import DocumentSource, OcrEngine, TableRecognizer
from pipeline.model import Grid, PageImage, PageResult, SkewEstimate, Table, TextLayerCheck

if TYPE_CHECKING:
    from pipeline.config import PipelineConfig
    from pipeline.document.checks.engine import CheckResult
    from pipeline.document.records import LogicalTable

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "fiscalscan.plugins"


def builtin_entry_points() -> list[metadata.EntryPoint]:
    """The built-in plugins as entry points of the group, in registration order (:mod:`plugins`)."""
    from plugins import BUILTIN

    return [metadata.EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in BUILTIN]


def installed_entry_points(skip: Iterable[str]) -> list[metadata.EntryPoint]:
    """The group's entry points of installed packages, but those named in ``skip`` (the built-ins, which the
    project's own installed metadata lists too), in the order the metadata gives."""
    skipped = set(skip)
    return [ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP) if ep.name not in skipped]


class PluginManager:
    def __init__(self, *, entrypoints: bool = True, extra: Iterable[object] = (),
                 blocked: Iterable[str] = ()) -> None:
        self._extra = tuple(extra)
        self._entrypoints = entrypoints
        self._blocked = tuple(blocked)
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        for name in self._blocked:
            self.pm.set_blocked(name)
        self._versions: dict[str, str | None] = {}
        builtin = builtin_entry_points()
        for ep in builtin:
            self._load(ep, _own_version())
        if entrypoints:
            for ep in installed_entry_points(e.name for e in builtin):
                self._load(ep, getattr(ep.dist, "version", None))
        for plugin in self._extra:
            self.register(plugin)
        self.pm.check_pending()
        if os.environ.get("FISCALSCAN_TRACE_PLUGINS"):
            self.pm.trace.root.setwriter(log.debug)
            self.pm.enable_tracing()

    # pickling rebuilds from the plugin list (workers get an identical manager)
    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._entrypoints, self._extra, self._blocked))

    def _load(self, ep: metadata.EntryPoint, version: str | None) -> None:
        """Import an entry point's plugin and register it under the entry point's name (as pluggy's
        ``load_setuptools_entrypoints`` does, with the order kept)."""
        if self.pm.is_blocked(ep.name) or self.pm.has_plugin(ep.name):
            return
        self.register(ep.load(), ep.name)
        self._versions[ep.name] = version

    def register(self, plugin: object, name: str | None = None) -> None:
        name = name or getattr(plugin, "__name__", None) or repr(plugin)
        if self.pm.is_blocked(name) or self.pm.has_plugin(name) or self.pm.is_registered(plugin):
            return
        self.pm.register(plugin, name=name)

    # ---------------------------------------------------------------- introspection

    def list_plugins(self) -> list[dict[str, Any]]:
        """Name, module, distribution version, implemented hooks and (``unavailable``) why it cannot run here
        (None when it can) of each registered plugin."""
        out = []
        for name, plugin in self.pm.list_name_plugin():
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            out.append({
                "name": name,
                "module": getattr(plugin, "__name__", type(plugin).__name__),
                "version": self._versions[name] if name in self._versions else _own_version(),
                "hooks": hooks,
                "unavailable": _unavailable_reason(plugin),
            })
        return out

    # ---------------------------------------------------------------- hook facade

    def open_document(self, *, path: str, config: PipelineConfig) -> DocumentSource:
        source = self.pm.hook.open_document(path=path, config=config)
        if source is None:
            from pipeline.errors import InputError

            raise InputError(path, "not a PDF or a supported image (PNG, JPEG, TIFF, BMP)")
        return source

    def check_text_layer(self, *, page: PageImage, engine: OcrEngine, config: PipelineConfig
                         ) -> TextLayerCheck | None:
        check = self.pm.hook.check_text_layer(page=page, engine=engine, config=config)
        if check is not None and not isinstance(check, TextLayerCheck):
            raise PipelineError(f"check_text_layer returned {type(check).__name__}, not a TextLayerCheck")
        return check

    def prepare_page(self, *, page: PageImage, config: PipelineConfig) -> PageImage:
        prepared = self.pm.hook.prepare_page(page=page, config=config)
        return prepared if prepared is not None else page

    def estimate_orientation(self, *, page: PageImage, engine: OcrEngine | None, config: PipelineConfig
                             ) -> SkewEstimate:
        est = self.pm.hook.estimate_orientation(page=page, engine=engine, config=config)
        return est if est is not None else SkewEstimate(rotation=0, skew=0.0, confidence=0.0)

    def get_ocr_engine(self, *, config: PipelineConfig) -> OcrEngine:
        engine = self.pm.hook.get_ocr_engine(config=config)
        if engine is None:
            raise ConfigError(f"no OCR engine named {config.ocr_engine!r} is registered "
                              "(see `fiscalscan plugins`)")
        if not isinstance(engine, OcrEngine):
            raise PipelineError(f"get_ocr_engine returned {type(engine).__name__}, not an OcrEngine")
        return engine

    def detect_grids(self, *, page: PageImage, config: PipelineConfig) -> list[Grid]:
        grids: list[Grid] = [g for result in self.pm.hook.detect_grids(page=page, config=config)
                             for g in (result or [])]
        return dedupe_grids(grids)

    def build_table(self, *, page: PageImage, grid: Grid, engine: OcrEngine, table_id: str,
                    upper_bound: float, config: PipelineConfig) -> Table | None:
        return self.pm.hook.build_table(page=page, grid=grid, engine=engine, table_id=table_id,
                                        upper_bound=upper_bound, config=config)

    def recognizers(self) -> list[TableRecognizer]:
        classes: dict[str, type[TableRecognizer]] = {}
        for result in self.pm.hook.register_recognizers():
            for cls in result or []:
                if cls.name in classes and classes[cls.name] is not cls:
                    raise ConfigError(f"two table recognisers are named {cls.name!r}")
                classes[cls.name] = cls
        return [cls() for cls in classes.values()]

    def check_document(self, *, tables: list[LogicalTable], config: PipelineConfig) -> list[CheckResult]:
        out: list[CheckResult] = []
        for result in self.pm.hook.check_document(tables=tables, config=config):
            out.extend(result or [])
        return out

    def page_done(self, *, result: PageResult, config: PipelineConfig) -> None:
        try:
            self.pm.hook.page_done(result=result, config=config)
        except Exception:  # a sink must never stop the pipeline
            log.exception("page_done hook failed")

    def document_done(self, *, document: dict[str, object], out_dir: str, config: PipelineConfig) -> None:
        try:
            self.pm.hook.document_done(document=document, out_dir=out_dir, config=config)
        except Exception:
            log.exception("document_done hook failed")


def _rebuild(entrypoints: bool, extra: tuple[object, ...], blocked: tuple[str, ...]) -> PluginManager:
    return PluginManager(entrypoints=entrypoints, extra=extra, blocked=blocked)


def _unavailable_reason(plugin: object) -> str | None:
    check = getattr(plugin, "unavailable_reason", None)
    if not callable(check):
        return None
    try:
        reason = check()
    except Exception as exc:  # a broken check must not break `fiscalscan plugins`
        return f"availability check failed: {type(exc).__name__}: {exc}"
    return str(reason) if reason else None


def _own_version() -> str | None:
    try:
        return metadata.version(PROJECT)
    except metadata.PackageNotFoundError:
        return None


def dedupe_grids(grids: list[Grid], max_overlap: float = 0.5) -> list[Grid]:
    """Drop a grid whose area is mostly (> ``max_overlap``) inside a larger grid; keep reading order."""
    kept: list[Grid] = []
    for g in sorted(grids, key=lambda g: -(g.bbox.width * g.bbox.height)):
        area = max(g.bbox.width * g.bbox.height, 1.0)
        if all(_intersection(g, k) / area <= max_overlap for k in kept):
            kept.append(g)
    return sorted(kept, key=lambda g: (round(g.bbox.top), g.bbox.x0))


def _intersection(a: Grid, b: Grid) -> float:
    w = min(a.bbox.x1, b.bbox.x1) - max(a.bbox.x0, b.bbox.x0)
    h = min(a.bbox.bottom, b.bbox.bottom) - max(a.bbox.top, b.bbox.top)
    return max(w, 0.0) * max(h, 0.0)


def require(module: str, extra: str) -> ModuleType:
    """Import an optional dependency lazily, with an actionable message when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{module} is not installed: pip install 'fiscalscan[{extra}]' ({exc})") from exc
