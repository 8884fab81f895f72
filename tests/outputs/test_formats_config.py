"""Output options in the pipeline config: parsed and checked, and only in the batch's config hash when set
(hashes written before the options existed still match, so a resumed batch redoes nothing)."""

from __future__ import annotations

import hashlib
import json

import pytest
from pydantic import ValidationError

from pipeline.batch import config_hash
from pipeline.config import PipelineConfig
from pipeline.outputs import OUTPUT_FIELDS, OutputOptions, parse_formats


def test_parse_formats() -> None:
    assert parse_formats(" xlsx,CSV,xlsx ") == ("xlsx", "csv")
    with pytest.raises(ValueError, match="unknown format"):
        parse_formats("csv,pdf")
    with pytest.raises(ValueError):
        parse_formats(",")
    with pytest.raises(ValidationError):
        PipelineConfig(formats=("pdf",))


def test_config_hash_stable_for_default_outputs() -> None:
    config = PipelineConfig()
    # fields added since manifests were first written (output options, per-stage timings) at their defaults
    old = config.model_dump(mode="json", exclude={"ocr_threads", "timings", *OUTPUT_FIELDS})
    assert config_hash(config) == hashlib.sha256(json.dumps(old, sort_keys=True).encode()).hexdigest()
    assert config_hash(PipelineConfig(timings=True)) != config_hash(config)
    assert config_hash(PipelineConfig(formats=("csv", "xlsx"))) != config_hash(config)
    assert config_hash(PipelineConfig(csv_bom=True)) != config_hash(config)


def test_options_from_config() -> None:
    opts = OutputOptions.from_config(PipelineConfig(formats=("datapackage",), csv_excel=True))
    assert opts.records_csv and opts.bom and "csv" not in opts.formats
    assert not OutputOptions(formats=("xlsx",)).records_csv


def test_batch_takes_the_output_options(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pipeline.cli import build_parser, config_from_args
    from pipeline.outputs.cli import finish_run

    args = build_parser().parse_args(["batch", "in", "--out", "o", "--formats", "csv,html", "--csv-header"])
    config = config_from_args(args)
    assert config.formats == ("csv", "html") and config.csv_header
    # after the batch, html asks for the folder's index
    assert finish_run(tmp_path, OutputOptions.from_config(config)) == tmp_path / "index.html"
    assert finish_run(tmp_path / "none", OutputOptions.from_config(config)) is None
    assert finish_run(tmp_path, OutputOptions()) is None
