"""The applications (batch, eval) are packages apart from the core: each name they offer resolves to what its
module defines (never to a submodule of the same name), and ``fiscalscan --help`` loads neither the pipeline
nor a plugin."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest


@pytest.mark.parametrize("package", ["pipeline.batch", "pipeline.evaluate"])
def test_every_exported_name_resolves(package: str) -> None:
    pkg = importlib.import_module(package)
    for name in pkg.__all__:
        value = getattr(pkg, name)
        assert not isinstance(value, types.ModuleType), f"{package}.{name} is a module"
    with pytest.raises(AttributeError):
        pkg.no_such_name  # noqa: B018


def test_help_loads_no_pipeline_stage_or_plugin() -> None:
    code = ("import sys, contextlib, io\nfrom pipeline.cli import main\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])\n"
            "print(sorted(m for m in sys.modules if m.startswith(('plugins', 'pipeline.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(eval(out))
    assert not {m for m in loaded if m.startswith("plugins")}
    assert not loaded & {"pipeline.runner", "pipeline.plugin_manager", "pipeline.batch.driver",
                         "pipeline.batch.pool", "pipeline.evaluate.corpus", "pipeline.evaluate.records",
                         "pipeline.records", "pipeline.checks"}
