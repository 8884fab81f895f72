"""Seconds each output format adds to writing one document, from existing document.json files (their source
files must be where document.json says, for the report's page thumbnails).

    python bench/bench_outputs.py OUT/<doc>/document.json ... [--repeat 3]

Per document: the median over ``--repeat`` rounds of writing document.json + CSV (the default), then each extra
format alone (xlsx, html, datapackage), interleaved round by round; with the pages and the size of each file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.export import write_document  # noqa: E402
from pipeline.outputs import OutputOptions, write_formats  # noqa: E402
from pipeline.plugin_manager import PluginManager  # noqa: E402

FORMATS = ("xlsx", "html", "datapackage")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("documents", nargs="+", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pm = PluginManager()
    print(f"{'document':<28} {'pages':>5} {'csv+json s':>10} " + " ".join(f"{f + ' s':>14}" for f in FORMATS))
    for path in args.documents:
        doc = json.loads(path.read_text(encoding="utf-8"))
        name = path.parent.name if path.name == "document.json" else path.stem
        times: dict[str, list[float]] = {k: [] for k in ("csv", *FORMATS)}
        sizes: dict[str, int] = {}
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                folder = write_document(out, name, doc)
                times["csv"].append(time.perf_counter() - t0)
                for fmt in FORMATS:
                    t0 = time.perf_counter()
                    (written,) = write_formats(folder, doc, name, OutputOptions(formats=(fmt,)), pm=pm,
                                               source_roots=(path.parent,))
                    times[fmt].append(time.perf_counter() - t0)
                    sizes[fmt] = written.stat().st_size
        med = {k: statistics.median(v) for k, v in times.items()}
        pages = int((doc.get("source") or {}).get("pages") or 0)
        print(f"{name:<28} {pages:>5} {med['csv']:>10.2f} "
              + " ".join(f"{med[f]:>6.2f} ({sizes[f] // 1024:>4} KiB)" for f in FORMATS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
