#!/usr/bin/env python
"""Throughput of ``fiscalscan batch``: pages/minute with 1 and 2 local worker processes and on a local Ray
cluster, and the peak RSS of each worker.

Each configuration processes the same inputs (``--copies`` copies of each, so the workers have something to
share) into a fresh output folder, through :func:`pipeline.batch.run_batch` (the code path of the CLI).
Wall time includes starting the workers and loading the OCR models in each, which is what a user of
``batch`` waits for; on a few samples that start-up dominates, so use a few dozen pages for real numbers.
Peak RSS per worker is each worker's ``VmHWM`` as recorded in the manifest (``worker_peak_rss_mb``), the
maximum over the documents a worker processed.  OCR threads per worker = max(1, cores // workers).

Usage (from the repository root)::

    python bench/bench_batch.py                         # smoke run: the two bundled samples, once each
    python bench/bench_batch.py --copies 4 --no-ray --json /tmp/bench_batch.json
    python bench/bench_batch.py some/folder --workers 1 2 4

Do not point it at the whole corpus on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.batch import LocalStore, last_records, run_batch  # noqa: E402
from pipeline.cli import expand_inputs  # noqa: E402
from pipeline.config import PipelineConfig  # noqa: E402

SAMPLES = [ROOT / "samples" / "demo-budget-2025" / "scan.png",
           ROOT / "samples" / "demo-final-2024" / "scan.pdf"]


def stage_inputs(paths: list[Path], copies: int, dest: Path) -> None:
    for c in range(copies):
        for i, p in enumerate(paths):
            target = dest / f"copy{c}" / f"{i:03d}-{p.stem}{p.suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)


def run_one(label: str, inp: Path, workers: int, ray: bool, work: Path, threads: int = 0) -> dict[str, Any]:
    out = work / f"out-{label}"
    store = LocalStore(inp, out)
    cores = os.cpu_count() or 1
    config = PipelineConfig(ocr_threads=threads or max(1, cores // workers))
    t0 = time.perf_counter()
    res = run_batch(store, config, workers=workers, resume=False, ray_address="auto" if ray else None)
    wall = time.perf_counter() - t0
    recs = [r for r in last_records(store.read_manifest()).values() if r["status"] == "done"]
    per_worker: dict[str, float] = {}
    for r in recs:
        key = str(r.get("worker_pid"))
        per_worker[key] = max(per_worker.get(key, 0.0), float(r.get("worker_peak_rss_mb") or 0.0))
    return {
        "config": label, "workers": workers, "ray": ray, "ocr_threads": config.ocr_threads,
        "documents": res.done, "failed": res.failed, "pages": res.pages, "wall_s": round(wall, 2),
        "pages_per_min": round(60 * res.pages / wall, 1) if wall > 0 else None,
        "doc_seconds_sum": round(sum(float(r["seconds"]) for r in recs), 2),
        "worker_peak_rss_mb": sorted(per_worker.values()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="*", help="files or folders (default: the bundled samples)")
    ap.add_argument("--copies", type=int, default=1, help="process each input this many times (default 1)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="local worker counts (1 2)")
    ap.add_argument("--no-ray", action="store_true", help="skip the Ray run")
    ap.add_argument("--ray-workers", type=int, default=2, help="Ray actors (default 2)")
    ap.add_argument("--threads", type=int, default=0,
                    help="OCR threads per worker for every run (default 0: cores // workers, as batch does)")
    ap.add_argument("--json", help="write results here")
    args = ap.parse_args(argv)

    paths = expand_inputs(args.inputs) if args.inputs else SAMPLES
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        inp = work / "in"
        stage_inputs(paths, args.copies, inp)
        for w in args.workers:
            results.append(run_one(f"local-{w}", inp, w, False, work, args.threads))
            print(json.dumps(results[-1]), flush=True)
        if not args.no_ray:
            try:
                import ray
            except ImportError:
                print("ray is not installed: skipping the Ray run (pip install 'fiscalscan[ray]')")
            else:
                ray.init(num_cpus=args.ray_workers, include_dashboard=False, log_to_driver=False,
                         runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
                try:
                    results.append(run_one(f"ray-{args.ray_workers}", inp, args.ray_workers, True, work,
                                           args.threads))
                    print(json.dumps(results[-1]), flush=True)
                finally:
                    ray.shutdown()
    print(f"\n{'config':<10} {'docs':>5} {'pages':>6} {'wall s':>8} {'pages/min':>10}  "
          "peak RSS per worker (MiB)")
    for r in results:
        rss = ", ".join(f"{m:.0f}" for m in r["worker_peak_rss_mb"])
        print(f"{r['config']:<10} {r['documents']:>5} {r['pages']:>6} {r['wall_s']:>8} "
              f"{r['pages_per_min']:>10}  {rss}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": {"python": platform.python_version(),
                                                           "cpus": os.cpu_count(),
                                                           "platform": platform.platform()},
                                               "inputs": [str(p) for p in paths], "copies": args.copies,
                                               "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
