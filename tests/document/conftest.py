"""Shared fixture of the typed-table tests: the built-in plugins, without entry points of installed packages."""

from __future__ import annotations

import pytest

from pipeline.plugin_manager import PluginManager


@pytest.fixture(scope="module")
def pm() -> PluginManager:
    return PluginManager(entrypoints=False)
