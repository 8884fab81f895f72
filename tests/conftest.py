from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import PipelineConfig
from pipeline.plugin_manager import PluginManager

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def config() -> PipelineConfig:
    return PipelineConfig()


@pytest.fixture(scope="session")
def pm() -> PluginManager:
    return PluginManager(entrypoints=False)


@pytest.fixture(scope="session")
def engine(pm: PluginManager, config: PipelineConfig):  # type: ignore[no-untyped-def]
    return pm.get_ocr_engine(config=config)
