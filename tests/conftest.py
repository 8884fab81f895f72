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


@pytest.fixture(scope="session")
def glyph_engine(config: PipelineConfig):  # type: ignore[no-untyped-def]
    """The test OCR engine (tests/plugins/glyph_ocr.py), chosen through the get_ocr_engine hook as a real engine
    is: for tests that need some reader of synthetic text but not the ONNX model."""
    from tests.plugins import glyph_ocr

    pm = PluginManager(entrypoints=False, extra=[glyph_ocr])
    return pm.get_ocr_engine(config=config.model_copy(update={"ocr_engine": glyph_ocr.NAME}))
