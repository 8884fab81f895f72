"""``bench/bench_pipeline.py`` (its statistics: ``bench/pipeline_report.py``) reports the recogniser's own
share of a page beside the pipeline's ratio: the floor that ratio approaches on the machine it runs on (the
reference's speed against the recogniser's differs from one CPU to another, so the ratio alone does not say how
much overhead is left)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPORT = Path(__file__).resolve().parents[2] / "bench" / "pipeline_report.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pipeline_report_under_test", REPORT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_recognition_counts_every_caller_of_the_recogniser_and_nothing_else() -> None:
    b = _bench()
    t = b.PageTiming(doc="d", page=1, width=10, height=10, render_s=0.0, pipeline_s=1.0, reference_s=2.0,
                     tables=1, stages={"tables/cells/recognize": 0.3, "tables/caption/recognize": 0.1,
                                       "orientation_vote/recognize": 0.05, "tables/cells/detect": 0.05,
                                       "orientation": 0.2, "grids": 0.1, "tables/cells": 0.2})
    assert abs(b.recognition_s(t) - 0.5) < 1e-12


def test_the_floor_is_the_median_of_each_pages_recognition_over_its_reference() -> None:
    b = _bench()
    pages = [b.PageTiming(doc="d", page=i, width=10, height=10, render_s=0.0, pipeline_s=p, reference_s=r,
                          tables=1, stages={"tables/cells/recognize": rec, "grids": p - rec})
             for i, (p, r, rec) in enumerate([(0.6, 2.0, 0.4), (0.9, 3.0, 0.9), (0.5, 1.0, 0.1)], start=1)]
    pages.append(b.PageTiming(doc="d", page=4, width=10, height=10, render_s=0.0, pipeline_s=0.2,
                              reference_s=2.0, tables=0, stages={"grids": 0.2}))
    summary = b.summarize(pages)
    assert summary["table"]["floor_median_of_ratios"] == 0.2  # of 0.2, 0.3 and 0.1
    assert summary["table"]["recognition"]["median"] == 0.4
    assert summary["no-table"]["floor_median_of_ratios"] == 0.0
    table = "\n".join(b.render_table(summary))
    assert "0.20x  (table pages: the floor)" in table
