#!/usr/bin/env python
"""Compare the available OCR engines on the annotated corpus: accuracy (the corpus scorer), seconds per page and
peak RSS, with the rest of the pipeline unchanged.

Every engine runs the whole pipeline (``pipeline.runner.process_document``: render, orientation, grids, cell
OCR, export) over each document's ``pdf/scan.pdf``, in a child process of its own per document, started with the
Python of the venv that has the engine (``paddleocr`` lives in a separate venv, see ``.ci/run``).  Documents
are interleaved (doc 1: engine A then B, doc 2: B then A, ...) so machine drift and other jobs hit every engine
alike.

* **accuracy**: each engine's ``document.json`` files are scored with the corpus scorer (``score.py``, default
  ``../shared/eval/score.py``): cell content accuracy, positioned numeric recall/precision, table recall, TEDS,
  and *review catch* = share of wrong cells whose confidence is below the review threshold (flagged), with the
  share of all cells flagged.
* **seconds per page**: ``pages[].seconds`` of document.json (orientation + grids + cell OCR of one rendered
  page; rendering and model loading are not in it).  Median over table pages (pages where the engine's run found
  a table) and over all pages, plus the **paired ratio**: for every page, engine seconds ÷ the first engine's
  seconds on that page, median over table pages (robust to load on the machine; compare this, not absolutes).
* **peak RSS**: each child's ``VmHWM`` (peak resident set since exec) at its end; the engine's figure is the
  largest over its documents.  Model loading time (first ``get_ocr_engine``) is reported apart.

Usage (repository root; the paddle venv as built by .ci/run or ``pip install -e '.[paddle]'``)::

    python bench/bench_engines.py --json /tmp/engines.json
    python bench/bench_engines.py --docs putuo-template-js --python paddleocr=/path/to/venv/bin/python

The paddleocr engine's Python defaults to ``$FISCALSCAN_PADDLE_PYTHON``, then ``.venv-paddle/bin/python``; an
engine that cannot run there is listed as unavailable with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT / ".." / "shared" / "corpus"
DEFAULT_SCORER = REPO_ROOT / ".." / "shared" / "eval" / "score.py"
ENGINES = ("ppocr-onnx", "paddleocr")
CHILD_MARK = "BENCH_ENGINES_RESULT "


# --------------------------------------------------------------------------- child: one engine, one document


def vm_hwm_kib() -> int:
    """Peak resident set size of this process since exec, KiB (Linux ``/proc/self/status``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run_child(engine: str, scan: Path, doc_id: str, out: Path, threads: int, dpi: float | None) -> dict[str, Any]:
    from pipeline.config import PipelineConfig
    from pipeline.errors import PipelineError
    from pipeline.plugin_manager import PluginManager
    from pipeline.runner import process_document

    config = PipelineConfig(ocr_engine=engine, ocr_threads=threads, **({"dpi": dpi} if dpi else {}))
    pm = PluginManager()
    t0 = time.perf_counter()
    try:
        ocr = pm.get_ocr_engine(config=config)  # engines cache their models: process_document reuses this one
    except PipelineError as exc:
        return {"engine": engine, "doc": doc_id, "unavailable": " ".join(str(exc).split())}
    load_s = time.perf_counter() - t0
    summary = process_document(scan, out, config, pm=pm, name=doc_id)
    result: dict[str, Any] = {"engine": engine, "doc": doc_id, "status": summary.status, "error": summary.error,
                              "load_s": load_s, "seconds": summary.seconds, "describe": ocr.describe(),
                              "vm_hwm_kib": vm_hwm_kib()}
    if summary.status == "ok":
        doc = json.loads((out / doc_id / "document.json").read_text(encoding="utf-8"))
        result["pages"] = [{"page": p["page"], "seconds": p["seconds"], "tables": p["tables"],
                            "status": p["status"]} for p in doc["pages"]]
    return result


# --------------------------------------------------------------------------- parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus root with manifest.json")
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER, help="the corpus scorer, score.py")
    ap.add_argument("--docs", nargs="+", help="only these corpus documents (default: all)")
    ap.add_argument("--engines", nargs="+", default=list(ENGINES), help="engines to compare; the first one is "
                    "the baseline of the paired ratio")
    ap.add_argument("--python", action="append", default=[], metavar="ENGINE=PATH",
                    help="Python interpreter (of a venv) that runs ENGINE (default: this one; paddleocr: "
                    "$FISCALSCAN_PADDLE_PYTHON or .venv-paddle/bin/python)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="OCR threads for every engine (PipelineConfig.ocr_threads; default: all cores)")
    ap.add_argument("--dpi", type=float, help="PDF render resolution (default: the pipeline's)")
    ap.add_argument("--review-threshold", type=float, default=0.9, help="threshold for review catch (0.9)")
    ap.add_argument("--out", type=Path, help="keep every engine's output here (default: a temporary folder)")
    ap.add_argument("--json", type=Path, help="write the summary and every page's numbers here")
    ap.add_argument("--child", nargs=3, metavar=("ENGINE", "DOC_ID", "OUT"), help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def pythons(args: argparse.Namespace) -> dict[str, str]:
    chosen = {e: sys.executable for e in args.engines}
    paddle = os.environ.get("FISCALSCAN_PADDLE_PYTHON") or str(REPO_ROOT / ".venv-paddle" / "bin" / "python")
    if "paddleocr" in chosen and Path(paddle).exists():
        chosen["paddleocr"] = paddle
    for item in args.python:
        engine, _, path = item.partition("=")
        if not path:
            raise SystemExit(f"--python wants ENGINE=PATH, got {item!r}")
        chosen[engine] = path
    return chosen


def corpus_docs(args: argparse.Namespace) -> list[dict[str, Any]]:
    manifest = json.loads((args.corpus / "manifest.json").read_text(encoding="utf-8"))
    docs = manifest["documents"]
    if args.docs:
        unknown = set(args.docs) - {d["id"] for d in docs}
        if unknown:
            raise SystemExit(f"not in {args.corpus}/manifest.json: {', '.join(sorted(unknown))}")
        docs = [d for d in docs if d["id"] in args.docs]
    return docs


def spawn(python: str, engine: str, doc: dict[str, Any], args: argparse.Namespace, out: Path) -> dict[str, Any]:
    scan = args.corpus / doc["id"] / doc.get("scan", "pdf/scan.pdf")
    cmd = [python, str(Path(__file__).resolve()), "--corpus", str(args.corpus), "--threads", str(args.threads),
           *(["--dpi", str(args.dpi)] if args.dpi else []), "--child", engine, doc["id"], str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(CHILD_MARK)]
    if proc.returncode != 0 or not lines:
        tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-1:]) or f"exit {proc.returncode}"
        return {"engine": engine, "doc": doc["id"], "unavailable": f"{python}: {tail}"}
    result = json.loads(lines[-1][len(CHILD_MARK):])
    result["scan"] = str(scan)
    return result


def score(args: argparse.Namespace, docs: list[dict[str, Any]], out: Path, engine: str) -> dict[str, Any]:
    """Run the corpus scorer over this engine's documents (a sub-corpus when --docs picked some)."""
    pred = out / engine / "pred"
    pred.mkdir(parents=True, exist_ok=True)
    for d in docs:
        src = out / engine / d["id"] / "document.json"
        if src.exists():
            shutil.copyfile(src, pred / f"{d['id']}.json")
    corpus = args.corpus
    if args.docs:  # the scorer scores every document of a manifest: give it one with only ours
        corpus = out / "corpus"
        corpus.mkdir(exist_ok=True)
        manifest = json.loads((args.corpus / "manifest.json").read_text(encoding="utf-8"))
        (corpus / "manifest.json").write_text(json.dumps({**manifest, "documents": docs}), encoding="utf-8")
        for d in docs:
            if not (corpus / d["id"]).exists():
                (corpus / d["id"]).symlink_to((args.corpus / d["id"]).resolve())
    report = out / engine / "score.json"
    proc = subprocess.run([sys.executable, str(args.scorer), "--truth", str(corpus), "--pred", str(pred),
                           "--json", str(report), "--review-threshold", str(args.review_threshold)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"scorer failed for {engine}: {proc.stderr.strip()[-500:]}")
    return json.loads(report.read_text(encoding="utf-8"))["overall"]


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def summarise(engine: str, runs: list[dict[str, Any]], overall: dict[str, Any],
              baseline: dict[tuple[str, int], float] | None) -> dict[str, Any]:
    pages = [(r["doc"], p) for r in runs for p in r.get("pages", []) if p["status"] == "ok"]
    table_pages = [(d, p) for d, p in pages if p["tables"]]
    ratios = [p["seconds"] / baseline[(d, p["page"])] for d, p in table_pages
              if baseline and baseline.get((d, p["page"]))]
    review = overall.get("review") or {}
    at = review.get("at_threshold") or {}
    return {
        "engine": engine, "describe": runs[0].get("describe") if runs else None,
        "documents": len(runs), "pages": len(pages), "table_pages": len(table_pages),
        "failed_documents": [r["doc"] for r in runs if r.get("status") != "ok"],
        "content_acc": overall.get("content_acc"), "numeric_recall": overall.get("numeric_recall"),
        "numeric_precision": overall.get("numeric_precision"), "table_recall": overall.get("table_recall"),
        "teds": overall.get("teds"), "adjacency_f1": overall.get("adjacency_f1"),
        "wrong_cells": review.get("wrong"), "review_catch": at.get("error_recall"),
        "flagged_share": at.get("flagged_share"),
        "median_s_table_page": median([p["seconds"] for _, p in table_pages]),
        "median_s_page": median([p["seconds"] for _, p in pages]),
        "paired_ratio_table_pages": median(ratios),
        "peak_rss_mib": max((r.get("vm_hwm_kib", 0) for r in runs), default=0) / 1024,
        "load_s": median([r["load_s"] for r in runs if "load_s" in r]),
    }


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def num(x: float | None, fmt: str = ".2f") -> str:
    return "-" if x is None else format(x, fmt)


def print_table(rows: list[dict[str, Any]], unavailable: dict[str, str]) -> None:
    head = ("engine", "pages", "tbl pg", "content %", "numeric R %", "numeric P %", "review catch %",
            "flagged %", "s/table pg", "s/page", "ratio*", "peak RSS MiB", "load s")
    print(" | ".join(head))
    for r in rows:
        print(" | ".join([r["engine"], str(r["pages"]), str(r["table_pages"]), pct(r["content_acc"]),
                          pct(r["numeric_recall"]), pct(r["numeric_precision"]), pct(r["review_catch"]),
                          pct(r["flagged_share"]), num(r["median_s_table_page"]), num(r["median_s_page"]),
                          num(r["paired_ratio_table_pages"]) + "x", num(r["peak_rss_mib"], ".0f"),
                          num(r["load_s"], ".1f")]))
    for engine, reason in unavailable.items():
        print(f"{engine}: unavailable: {reason}")
    print("* median over table pages of (engine s / first engine s) on the same page")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        engine, doc_id, out = args.child
        doc = next(d for d in json.loads((args.corpus / "manifest.json").read_text(encoding="utf-8"))["documents"]
                   if d["id"] == doc_id)
        scan = args.corpus / doc_id / doc.get("scan", "pdf/scan.pdf")
        print(CHILD_MARK + json.dumps(run_child(engine, scan, doc_id, Path(out) / engine, args.threads, args.dpi)),
              flush=True)
        return 0
    docs = corpus_docs(args)
    exe = pythons(args)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-engines-"))
    runs: dict[str, list[dict[str, Any]]] = {e: [] for e in args.engines}
    unavailable: dict[str, str] = {}
    for i, doc in enumerate(docs):
        order = args.engines if i % 2 == 0 else list(reversed(args.engines))
        for engine in order:
            if engine in unavailable:
                continue
            r = spawn(exe[engine], engine, doc, args, out)
            if "unavailable" in r:
                unavailable[engine] = r["unavailable"]
                print(f"{engine}: unavailable: {r['unavailable']}", file=sys.stderr)
                continue
            runs[engine].append(r)
            print(f"{doc['id']} {engine}: {r['status']}, {len(r.get('pages', []))} pages, {r['seconds']:.1f} s, "
                  f"peak RSS {r['vm_hwm_kib'] / 1024:.0f} MiB", file=sys.stderr, flush=True)
    rows: list[dict[str, Any]] = []
    baseline: dict[tuple[str, int], float] | None = None
    for engine in args.engines:
        if engine in unavailable or not runs[engine]:
            continue
        row = summarise(engine, runs[engine], score(args, docs, out, engine), baseline)
        if baseline is None:
            baseline = {(r["doc"], p["page"]): p["seconds"] for r in runs[engine] for p in r.get("pages", [])}
            row["paired_ratio_table_pages"] = 1.0
        rows.append(row)
    print_table(rows, unavailable)
    if args.json:
        meta = {"python": platform.python_version(), "cpus": os.cpu_count(), "threads": args.threads,
                "load_avg": os.getloadavg(), "docs": [d["id"] for d in docs], "out": str(out),
                "interpreters": exe}
        args.json.write_text(json.dumps({"meta": meta, "summary": rows, "unavailable": unavailable,
                                         "runs": runs}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
