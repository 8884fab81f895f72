#!/usr/bin/env python
"""Benchmark the whole fiscalscan pipeline against plain full-page PP-OCRv6 (rapidocr) on scanned pages.

What is measured, per rendered page
-----------------------------------
* **pipeline**: ``pipeline.runner.process_page`` (orientation, deskew, grid detection, cell OCR) with the
  default plugins and the configured OCR engine; with its per-stage split (``pipeline.timing``: exclusive
  seconds per stage, recognition booked under its caller: cells, caption, orientation vote).  Rendering
  (``source.render``) is timed separately and is *not* part of either number.  A page is a *table page*
  when the pipeline found at least one table on it, else a *no-table page*.
* **reference**: ``RapidOCR(...)(bgr)`` with rapidocr's defaults (PP-OCRv6 det + text-line classifier + rec)
  on the same rendered page, converted gray -> BGR (the conversion is inside the timed region).

How
---
1. **Timings, one process, interleaved.**  Both engines are created and warmed up once (on the first page,
   untimed), then every page runs both, alternating which goes first (even pages: pipeline first, odd pages:
   reference first), so machine drift and cache effects hit both equally.  Reported: median and p90 seconds
   per page for table / no-table pages, and the pipeline/reference ratio.  The headline ratio is the median
   of the per-page ratios over table pages (paired, robust to drift); the ratio of medians is shown too.
2. **Peak RSS, two child processes.**  Interleaving makes both engines live in one process, so its peak mixes
   the two.  Peak memory is therefore measured by re-invoking this script twice, sequentially, with
   ``--only pipeline`` and ``--only reference`` over the same pages (each warms up once, renders the pages
   itself and runs only its own engine), and reading ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (KiB on
   Linux) at the end of each child.  Both children import the same modules and render the same pages, so
   the difference is the engines' own working memory.  The children run *before* the interleaved timing:
   Linux carries a parent's peak RSS into a child's ru_maxrss across fork/exec, so they must be started
   while the parent is still small.  ``VmHWM`` from ``/proc/self/status`` (peak since exec, not inherited)
   is recorded as a cross-check.  Child timings are in the JSON but are not the comparison (not
   interleaved, not the same moment).

Usage (from the repository root)::

    python bench/bench_pipeline.py --docs putuo-czj-2024-js --pages 3 --json /tmp/bench.json
    python bench/bench_pipeline.py some/scan.pdf page.png --threads 2

Inputs default to every ``*/pdf/scan.pdf`` under ``--corpus`` (``../shared/corpus`` relative to the
repository root); positional paths (PDFs or images) replace the corpus.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent))  # pipeline_report beside this script

from pipeline_report import MODES, PageTiming, report, summarize

from pipeline.config import PipelineConfig
from pipeline.model import PageImage
from pipeline.plugin_manager import PluginManager
from pipeline.runner import process_page

log = logging.getLogger("bench")

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT / ".." / "shared" / "corpus"

#: One measured run on one page: returns a count (tables found, or text lines read).
Runner = Callable[[PageImage], int]


@dataclass(frozen=True, slots=True)
class Doc:
    name: str
    path: Path


# ---------------------------------------------------------------------------------------------- arguments


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="*", type=Path, help="PDFs / images to use instead of the corpus")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                   help="corpus root holding <doc>/pdf/scan.pdf (default: ../shared/corpus from repo root)")
    p.add_argument("--docs", nargs="+", default=None, metavar="DOC", help="corpus document ids (default all)")
    p.add_argument("--pages", type=int, default=0, metavar="N", help="at most N pages per document (0 = all)")
    p.add_argument("--threads", type=int, default=0, metavar="N",
                   help="ONNX Runtime intra-op threads for both engines (0 = library default)")
    p.add_argument("--dpi", type=float, default=None, help="PDF render dpi (default: PipelineConfig's)")
    p.add_argument("--ref-no-cls", action="store_true",
                   help="reference without the text-line classifier (default: rapidocr's det+cls+rec)")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="write raw per-page timings here")
    p.add_argument("--no-rss", action="store_true", help="skip the two peak-RSS child processes")
    p.add_argument("--only", choices=MODES, default=None, help=argparse.SUPPRESS)  # child mode (peak RSS)
    args = p.parse_args(argv)
    if args.pages < 0 or args.threads < 0:
        p.error("--pages and --threads must be >= 0")
    return args


def child_argv(args: argparse.Namespace, mode: str, out: Path) -> list[str]:
    """Command line re-invoking this script for one measurement over the same pages."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--only", mode, "--json", str(out),
            "--corpus", str(args.corpus), "--pages", str(args.pages), "--threads", str(args.threads)]
    if args.docs:
        argv += ["--docs", *args.docs]
    if args.dpi is not None:
        argv += ["--dpi", str(args.dpi)]
    if args.ref_no_cls:
        argv.append("--ref-no-cls")
    return argv + [str(p) for p in args.inputs]


# ---------------------------------------------------------------------------------------------- inputs


def find_docs(args: argparse.Namespace) -> list[Doc]:
    if args.inputs:
        return [Doc(p.stem, p) for p in args.inputs]
    corpus = args.corpus.resolve()
    docs = [Doc(p.parent.parent.name, p) for p in sorted(corpus.glob("*/pdf/scan.pdf"))]
    if args.docs:
        known = {d.name for d in docs}
        missing = [d for d in args.docs if d not in known]
        if missing:
            raise SystemExit(f"unknown document(s) under {corpus}: {', '.join(missing)} "
                             f"(have: {', '.join(sorted(known)) or 'none'})")
        docs = [d for d in docs if d.name in args.docs]
    if not docs:
        raise SystemExit(f"no */pdf/scan.pdf under {corpus}")
    return docs


def make_config(args: argparse.Namespace) -> PipelineConfig:
    extra: dict[str, Any] = {} if args.dpi is None else {"dpi": args.dpi}
    return PipelineConfig(ocr_threads=args.threads, **extra)


def iter_pages(pm: PluginManager, config: PipelineConfig, docs: Sequence[Doc], max_pages: int
               ) -> Iterator[tuple[Doc, PageImage, float]]:
    """Rendered pages, one at a time (keeps memory flat), with the render time of each."""
    for doc in docs:
        with pm.open_document(path=str(doc.path), config=config) as source:
            n = source.n_pages if max_pages == 0 else min(max_pages, source.n_pages)
            for number in range(1, n + 1):
                t0 = time.perf_counter()
                page = source.render(number)
                yield doc, page, time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------- runners


class PipelineRunner:
    """``process_page`` on one page; keeps the page's per-stage seconds (``PageResult.timings``)."""

    def __init__(self, pm: PluginManager, config: PipelineConfig) -> None:
        self.pm, self.config = pm, config
        self.engine = pm.get_ocr_engine(config=config)
        self.stages: dict[str, float] = {}

    def __call__(self, page: PageImage) -> int:
        result = process_page(self.pm, page, self.engine, self.config)
        self.stages = dict(result.timings)
        return len(result.tables)


def make_pipeline(pm: PluginManager, config: PipelineConfig) -> Runner:
    return PipelineRunner(pm, config)


def make_reference(threads: int, use_cls: bool) -> Runner:
    from rapidocr import RapidOCR

    params: dict[str, Any] = {"Global.log_level": "error", "Global.use_cls": use_cls}
    if threads:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
    eng = RapidOCR(params=params)

    def run(page: PageImage) -> int:
        out = eng(cv2.cvtColor(page.gray, cv2.COLOR_GRAY2BGR))
        boxes = getattr(out, "boxes", None)
        return 0 if boxes is None else len(boxes)

    return run


def timed(run: Runner, page: PageImage) -> tuple[float, int]:
    t0 = time.perf_counter()
    count = run(page)
    return time.perf_counter() - t0, count


def record(t: PageTiming, mode: str, seconds: float, count: int) -> None:
    if mode == "pipeline":
        t.pipeline_s, t.tables = seconds, count
    else:
        t.reference_s, t.ref_lines = seconds, count


def measure_page(runners: dict[str, Runner], order: Sequence[str], doc: Doc, page: PageImage,
                 render_s: float) -> PageTiming:
    t = PageTiming(doc=doc.name, page=page.page_number, width=page.width, height=page.height,
                   render_s=render_s, first=order[0])
    gc.collect()  # outside the timed regions
    for mode in order:
        try:
            record(t, mode, *timed(runners[mode], page))
            if isinstance(runners[mode], PipelineRunner):
                t.stages = dict(runners[mode].stages)  # type: ignore[attr-defined]
        except Exception as exc:  # a broken page must not stop the benchmark
            log.exception("%s page %d: %s failed", doc.name, page.page_number, mode)
            t.error = f"{mode}: {type(exc).__name__}: {exc}"
    return t


def run_pages(runners: dict[str, Runner], pm: PluginManager, config: PipelineConfig, docs: Sequence[Doc],
              max_pages: int) -> list[PageTiming]:
    """Warm up every runner on the first page, then time all pages, alternating which runner goes first."""
    timings: list[PageTiming] = []
    modes = list(runners)
    for i, (doc, page, render_s) in enumerate(iter_pages(pm, config, docs, max_pages)):
        if i == 0:
            for run in runners.values():
                run(page)
        order = modes if i % 2 == 0 else modes[::-1]
        t = measure_page(runners, order, doc, page, render_s)
        timings.append(t)
        log.info("%s p%d %s", t.doc, t.page, progress(t))
    return timings


def progress(t: PageTiming) -> str:
    parts = [f"render {t.render_s:.2f}s"]
    if t.pipeline_s is not None:
        parts.append(f"pipeline {t.pipeline_s:.2f}s ({t.tables} tables)")
    if t.reference_s is not None:
        parts.append(f"reference {t.reference_s:.2f}s ({t.ref_lines} lines)")
    if t.error:
        parts.append(f"ERROR {t.error}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------- peak RSS


def peak_rss_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def vm_hwm_kib() -> int | None:
    """Peak RSS of this process image since exec (``VmHWM``; Linux only), a cross-check of ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def measure_rss(args: argparse.Namespace) -> dict[str, Any]:
    """Run each measurement alone in a child process, one after the other, and collect their peaks."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="fiscalscan-bench-") as tmp:
        for mode in MODES:
            path = Path(tmp) / f"{mode}.json"
            log.info("peak RSS: child process --only %s", mode)
            proc = subprocess.run(child_argv(args, mode, path), check=False)
            if proc.returncode != 0 or not path.is_file():
                out[mode] = {"error": f"child exited with status {proc.returncode}"}
                continue
            out[mode] = json.loads(path.read_text(encoding="utf-8"))
    return out


def run_child(args: argparse.Namespace) -> int:
    """``--only MODE``: one measurement alone, so ru_maxrss is that measurement's peak."""
    base_kib, base_hwm = peak_rss_kib(), vm_hwm_kib()
    pm, config = PluginManager(), make_config(args)
    runner = make_pipeline(pm, config) if args.only == "pipeline" else make_reference(args.threads,
                                                                                       not args.ref_no_cls)
    timings = run_pages({args.only: runner}, pm, config, find_docs(args), args.pages)
    result = {"mode": args.only, "peak_rss_kib": peak_rss_kib(), "rss_after_imports_kib": base_kib,
              "vm_hwm_kib": vm_hwm_kib(), "vm_hwm_after_imports_kib": base_hwm,
              "pages": [asdict(t) for t in timings]}
    args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0 if all(t.error is None for t in timings) else 1


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("fiscalscan", "rapidocr", "onnxruntime", "numpy", "opencv-python-headless", "pypdfium2"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def git_head() -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=False, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ---------------------------------------------------------------------------------------------- main


def run_interleaved(args: argparse.Namespace, meta: dict[str, Any]) -> list[PageTiming]:
    pm, config = PluginManager(), make_config(args)
    meta["dpi"] = config.dpi
    runners = {"pipeline": make_pipeline(pm, config),
               "reference": make_reference(args.threads, not args.ref_no_cls)}
    timings = run_pages(runners, pm, config, find_docs(args), args.pages)
    meta["peak_rss_kib_interleaved"] = peak_rss_kib()
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    for name in ("RapidOCR", "rapidocr"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if args.only:
        if args.json is None:
            raise SystemExit("--only needs --json")
        return run_child(args)
    docs = find_docs(args)
    meta: dict[str, Any] = {
        "docs": [d.name for d in docs], "paths": [str(d.path) for d in docs], "pages_per_doc": args.pages,
        "threads": args.threads,
        "reference": "rapidocr det+rec" if args.ref_no_cls else "rapidocr det+cls+rec",
        "env_FISCALSCAN_OCR_THREADS": os.environ.get("FISCALSCAN_OCR_THREADS"),
        "cpus": os.cpu_count(), "platform": platform.platform(), "versions": versions(), "git": git_head(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "loadavg_before": loadavg(),
    }
    # children first: a child's ru_maxrss starts at the parent's peak (Linux carries it over fork/exec),
    # so they must be started while this process is still small
    rss = None if args.no_rss else measure_rss(args)
    timings = run_interleaved(args, meta)
    meta["loadavg_after"] = loadavg()
    summary = summarize(timings)
    print(report(meta, summary, rss, timings))
    if args.json is not None:
        doc = {"meta": meta, "summary": summary, "pages": [{**asdict(t), "kind": t.kind} for t in timings],
               "peak_rss": rss}
        args.json.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0 if all(t.error is None for t in timings) else 1


if __name__ == "__main__":
    sys.exit(main())
