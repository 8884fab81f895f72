"""Captured-page bench: generate ``samples/capture_samples.py`` pages (unruled rows, seals, photographs), run
each through the pipeline and score it against its truth (content, amounts), with the page's seconds.

usage: python bench/capture.py [--out DIR] [--case NAME ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from pipeline.config import PipelineConfig
from pipeline.evaluate import metrics, score_document
from pipeline.plugin_manager import PluginManager
from pipeline.runner import process_document
from samples import capture_samples as cs
from samples import make_samples as ms


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--case", action="append")
    a = ap.parse_args(argv)
    font = ms.find_cjk_font()
    if font is None:
        print("no CJK font", file=sys.stderr)
        return 2
    out = a.out or Path(tempfile.mkdtemp(prefix="capture-"))
    cases = [c for c in cs.CASES if not a.case or c.name in a.case]
    pm, cfg = PluginManager(), PipelineConfig()
    print(f"{'case':24} {'content':>8} {'amounts R/P':>13} {'tables':>6} {'seconds':>8}")
    for case in cases:
        page = cs.write_case(out / "corpus", case, str(font))
        truth = json.loads((page.parent / "truth.json").read_text(encoding="utf-8"))
        t0 = time.perf_counter()
        summary = process_document(page, out / "run", cfg, pm, name=case.name)
        seconds = time.perf_counter() - t0
        pred = json.loads((Path(summary.out_dir) / "document.json").read_text(encoding="utf-8")) \
            if summary.out_dir else None
        m = metrics(score_document(truth, pred).tally)
        fmt = lambda v: "-" if v is None else f"{100 * v:.1f}"  # noqa: E731
        print(f"{case.name:24} {fmt(m['content_acc']):>8} "
              f"{fmt(m['numeric_recall']) + '/' + fmt(m['numeric_precision']):>13} "
              f"{len(pred['tables']) if pred else 0:>6} {seconds:>8.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
