"""Hook contract: every hook's full signature is pinned (a change is a deliberate, visible change of the plugin
API), every hook is documented where declared and in the README, has a test, every built-in implementation
matches its spec, and plugins load through the entry-point group third parties use."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from pipeline import hookimpl, hookspecs
from pipeline.model import Grid, PageImage
from pipeline.plugin_manager import PluginManager
from plugins import BUILTIN, ENTRY_POINT_GROUP

ROOT = Path(__file__).resolve().parents[2]
HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
         if hasattr(fn, "fiscalscan_spec")]


P = inspect.Parameter.POSITIONAL_OR_KEYWORD.name
CONFIG = ("config", P, "PipelineConfig", None)
NO_DEFAULT = None

#: hook -> (parameters as (name, kind, annotation, default), return annotation, firstresult, historic).
#: Hooks are called with keyword arguments only; parameters may be appended, never reordered or retyped.
SIGNATURES: dict[str, tuple[tuple[tuple[str, str, str, object], ...], str, bool, bool]] = {
    "open_document": ((("path", P, "str", NO_DEFAULT), CONFIG), "DocumentSource | None", True, False),
    "check_text_layer": ((("page", P, "PageImage", NO_DEFAULT), ("engine", P, "OcrEngine", NO_DEFAULT), CONFIG),
                         "TextLayerCheck | None", True, False),
    "prepare_page": ((("page", P, "PageImage", NO_DEFAULT), CONFIG), "PageImage | None", True, False),
    "estimate_orientation": ((("page", P, "PageImage", NO_DEFAULT), ("engine", P, "OcrEngine | None", NO_DEFAULT),
                              CONFIG), "SkewEstimate | None", True, False),
    "get_ocr_engine": ((CONFIG,), "OcrEngine | None", True, False),
    "detect_grids": ((("page", P, "PageImage", NO_DEFAULT), CONFIG), "list[Grid]", False, False),
    "build_table": ((("page", P, "PageImage", NO_DEFAULT), ("grid", P, "Grid", NO_DEFAULT),
                     ("engine", P, "OcrEngine", NO_DEFAULT), ("table_id", P, "str", NO_DEFAULT),
                     ("upper_bound", P, "float", NO_DEFAULT), CONFIG), "Table | None", True, False),
    "register_recognizers": ((), "list[type[TableRecognizer]]", False, False),
    "check_document": ((("tables", P, "list[LogicalTable]", NO_DEFAULT), CONFIG), "list[CheckResult]", False,
                       False),
    "page_done": ((("result", P, "PageResult", NO_DEFAULT), CONFIG), "None", False, False),
    "document_done": ((("document", P, "dict[str, object]", NO_DEFAULT), ("out_dir", P, "str", NO_DEFAULT),
                       CONFIG), "None", False, False),
}


def _param(p: inspect.Parameter) -> tuple[str, str, str, object]:
    default = None if p.default is inspect.Parameter.empty else repr(p.default)
    return (p.name, p.kind.name, str(p.annotation), default)


def describe(fn: object) -> tuple[tuple[tuple[str, str, str, object], ...], str]:
    """Parameters (name, kind, annotation, default) in order, and the return annotation; annotations as the
    source spells them (``from __future__ import annotations``)."""
    sig = inspect.signature(fn)  # type: ignore[arg-type]
    return tuple(_param(p) for p in sig.parameters.values()), str(sig.return_annotation)


def test_there_are_hooks() -> None:
    assert {"open_document", "detect_grids", "build_table", "get_ocr_engine"} <= set(HOOKS)


@pytest.mark.parametrize("name", HOOKS)
def test_hook_signature_is_pinned(name: str) -> None:
    fn = getattr(hookspecs, name)
    assert name in SIGNATURES, f"a new hook: pin its full signature in SIGNATURES: {describe(fn)}"
    params, returns, firstresult, historic = SIGNATURES[name]
    assert describe(fn) == (params, returns)
    opts = fn.fiscalscan_spec
    assert (bool(opts.get("firstresult")), bool(opts.get("historic"))) == (firstresult, historic)
    assert not opts.get("warn_on_impl")


def test_no_pinned_hook_was_removed() -> None:
    assert set(SIGNATURES) <= set(HOOKS)


def _builtin_impls() -> list[tuple[str, str, object]]:
    pm = PluginManager(entrypoints=False)
    out = []
    for plugin_name, _module in BUILTIN:
        plugin = pm.pm.get_plugin(plugin_name)
        for caller in pm.pm.get_hookcallers(plugin) or []:
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin:
                    out.append((plugin_name, caller.name, impl.function))
    return out


def test_builtin_implementations_match_their_specs() -> None:
    """An implementation takes a subset of its spec's parameters, in the spec's order, with the spec's kinds and
    annotations, and returns what the spec returns (or narrower: never None where the spec allows None)."""
    impls = _builtin_impls()
    assert {hook for _, hook, _ in impls} >= {"open_document", "build_table", "get_ocr_engine", "check_document"}
    for plugin_name, hook, fn in impls:
        params, returns = describe(fn)
        spec_params, spec_returns = describe(getattr(hookspecs, hook))
        where = f"{plugin_name}.{hook}"
        names = [p[0] for p in spec_params]
        assert [names.index(p[0]) for p in params] == sorted(names.index(p[0]) for p in params), where
        by_name = {p[0]: p for p in spec_params}
        for p in params:
            assert p == by_name[p[0]], f"{where}: parameter {p} differs from the spec's {by_name[p[0]]}"
        assert spec_returns in (returns, f"{returns} | None"), f"{where}: returns {returns}, the spec {spec_returns}"


@pytest.mark.parametrize("name", HOOKS)
def test_hook_documented_in_spec_and_readme(name: str) -> None:
    fn = getattr(hookspecs, name)
    assert fn.__doc__ and len(fn.__doc__.strip()) > 40
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sig = f"{name}({', '.join(inspect.signature(fn).parameters)})"
    assert sig in readme, f"README must document `{sig}`"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_test(name: str) -> None:
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    assert re.search(rf"def test_hook_{name}\b", tests), f"write a test_hook_{name}"


def _pyproject_entry_points() -> list[tuple[str, str]]:
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["entry-points"][ENTRY_POINT_GROUP].items())


def test_builtins_are_registered_through_entry_points() -> None:
    """pyproject.toml declares every built-in as an entry point, in the registration order plugins.BUILTIN
    gives, and the manager registers exactly those, under those names, in that order."""
    assert _pyproject_entry_points() == list(BUILTIN)
    pm = PluginManager(entrypoints=False)
    assert [(name, p.__name__) for name, p in pm.pm.list_name_plugin()] == list(BUILTIN)


def test_importing_the_pipeline_imports_no_plugin() -> None:
    """Built-in plugins are imported when a manager is built, not by ``import pipeline`` or the plugin manager
    module, and the manager does not import the fiscal domain."""
    import subprocess
    import sys

    code = ("import sys, pipeline, pipeline.plugin_manager; "
            "print(sorted(m for m in sys.modules if m.startswith(('plugins.', 'pipeline.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(eval(out))
    assert not {m for m in loaded if m.startswith("plugins.")}
    assert not loaded & {"pipeline.records", "pipeline.checks", "pipeline.tabletypes", "pipeline.document.vocabulary",
                         "pipeline.runner", "pipeline.analysis"}
    assert {m for m in loaded if m.startswith("pipeline.document.")} <= {"pipeline.document.notes"}


def test_registration_is_idempotent_and_pending_checked() -> None:
    pm = PluginManager(entrypoints=True)
    n = len(pm.list_plugins())
    for name, _ in BUILTIN:
        assert pm.pm.has_plugin(name)
    pm.register(pm.pm.get_plugin(BUILTIN[0][0]))
    assert len(pm.list_plugins()) == n
    pm.pm.check_pending()


class _OneGridPlugin:
    """A third-party style plugin adding a grid."""

    @hookimpl
    def detect_grids(self, page: PageImage) -> list[Grid]:
        from pipeline.model import BBox

        return [Grid(bbox=BBox(0, 0, 10, 10), row_edges=(0.0, 10.0), col_edges=(0.0, 5.0, 10.0),
                     spans=((0, 0, 1, 1), (0, 1, 1, 1)))]


def test_hook_page_done(config) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    seen = []

    class Sink:
        @hookimpl
        def page_done(self, result) -> None:  # type: ignore[no-untyped-def]
            seen.append(result.page)
            raise RuntimeError("a broken sink must not stop the pipeline")

    pm = PluginManager(entrypoints=False, extra=[_OneGridPlugin(), Sink()])
    page = PageImage(source="x", page_number=1, gray=np.full((100, 100), 230, np.uint8), dpi=200)
    assert len(pm.detect_grids(page=page, config=config)) == 1
    from pipeline.model import PageResult

    pm.page_done(result=PageResult(page=4, width=1, height=1, dpi=200), config=config)
    assert seen == [4]


def test_hook_document_done(tmp_path, config) -> None:  # type: ignore[no-untyped-def]
    got = []

    class Sink:
        @hookimpl
        def document_done(self, document, out_dir) -> None:  # type: ignore[no-untyped-def]
            got.append((document["schema"], out_dir))

    pm = PluginManager(entrypoints=False, extra=[Sink()])
    pm.document_done(document={"schema": "s"}, out_dir=str(tmp_path), config=config)
    assert got == [("s", str(tmp_path))]


def test_hook_get_ocr_engine(config) -> None:  # type: ignore[no-untyped-def]
    from plugins.ocr import ppocr_onnx

    engine = ppocr_onnx.get_ocr_engine(config=config)
    assert engine is not None and engine.name == "ppocr-onnx"
    assert len(engine.charset) > 18000  # dictionary read from the model's metadata
    assert ppocr_onnx.get_ocr_engine(config=config.model_copy(update={"ocr_engine": "other"})) is None


def test_hook_register_recognizers() -> None:
    from plugins.recognizers import generic

    classes = generic.register_recognizers()
    assert [c.name for c in classes] == ["generic"]
    pm = PluginManager(entrypoints=False)
    assert "generic" in [r.name for r in pm.recognizers()]


def test_hook_check_document(config) -> None:  # type: ignore[no-untyped-def]
    """Built-in identities compare the 总表 with the detailed tables; a plugin's checks are collected too and fused
    into confidence."""
    from pipeline.document.analysis import analyse
    from pipeline.document.checks.engine import evaluate, value_term
    from pipeline.runner import recognise
    from tests.fiscal.tables import EXPENDITURE_ROWS, SUMMARY_ROWS, table_of

    class AlwaysFails:
        @hookimpl
        def check_document(self, tables):  # type: ignore[no-untyped-def]
            lt = next(t for t in tables if t.type == "final.expenditure")
            row = lt.rows[1]  # 201 一般公共服务支出
            res = evaluate("plugin:impossible", "", value_term(row, "total", lt), [value_term(row, "basic", lt)])
            return [res]

    pm = PluginManager(entrypoints=False, extra=[AlwaysFails()])
    recs = pm.recognizers()
    tables = recognise([table_of(SUMMARY_ROWS, title="收入支出决算总表", id="p001-t1"),
                        table_of(EXPENDITURE_ROWS, title="支出决算表", id="p002-t1", page=2)], recs)
    result = analyse("doc", tables, recs, pm, config)
    rules = {c.rule: c.status for c in result.cross_checks}
    assert rules["plugin:impossible"] == "fail"
    same = [s for r, s in rules.items() if r.startswith("same:final.summary[本年支出合计]")]
    assert same == ["pass"]
    assert any(r.startswith("same-class:") and s == "pass" for r, s in rules.items())
    fused = {(t.id, c.row, c.col): c for t in result.tables for c in t.cells}
    # in the plugin's failing check, but confirmed by the row and hierarchy checks: left as read
    assert fused[("p002-t1", 4, 5)].confidence == 0.99
    assert fused[("p002-t1", 4, 5)].ocr_confidence is None
