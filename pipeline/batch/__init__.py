"""``fiscalscan batch``: process a folder tree of scans in parallel worker processes, resumably.

Every input gets ``OUT_DIR/<name>/`` where ``name`` is its path below INPUT_DIR with "/" replaced by "__" and
the suffix dropped.  ``OUT_DIR/manifest.jsonl`` gets one JSON line per attempt result (appended, flushed and
fsynced); a reader takes the last line per input.  Outputs are published by an atomic rename *before* their
manifest line is written, so a batch killed at any moment never has a half-written output marked done.

Workers are plain ``multiprocessing`` processes (spawn context) driven over pipes, one document at a time: a
worker that dies (segfault, ``os._exit``, OOM kill) or runs past ``--timeout`` is replaced and its document
marked failed with the reason.  ``--ray`` distributes documents over Ray actors instead (models load once
per actor); the driver still writes the manifest.

All file I/O of the batch goes through :class:`BatchStore` (implemented by :class:`LocalStore`) so that an
object-storage backend can be added later.
"""

from __future__ import annotations

# functions named as their modules: bound here, or the submodule (set on the package when it loads) would
# shadow them
from pipeline.batch.plan import plan
from pipeline.batch.report import report
from pipeline.lazy import lazy_exports

#: what the package offers, by the module that defines it (imported on first use, so that the subcommand's
#: parser, all ``fiscalscan --help`` needs, does not load the rest)
_EXPORTS: dict[str, str] = {
    "add_parser": "pipeline.batch.cli",
    "BatchResult": "pipeline.batch.driver",
    "BatchStore": "pipeline.batch.store",
    "DEFAULT_TIMEOUT": "pipeline.batch.plan",
    "Job": "pipeline.batch.plan",
    "LocalStore": "pipeline.batch.store",
    "MANIFEST": "pipeline.batch.store",
    "ManifestError": "pipeline.batch.store",
    "config_hash": "pipeline.batch.plan",
    "last_records": "pipeline.batch.plan",
    "output_name": "pipeline.batch.plan",
    "output_names": "pipeline.batch.plan",
    "parse_manifest": "pipeline.batch.store",
    "run_batch": "pipeline.batch.driver",
    "totals_line": "pipeline.batch.report",
}

__all__ = [
    "DEFAULT_TIMEOUT",
    "MANIFEST",
    "BatchResult",
    "BatchStore",
    "Job",
    "LocalStore",
    "ManifestError",
    "add_parser",
    "config_hash",
    "last_records",
    "output_name",
    "output_names",
    "parse_manifest",
    "plan",
    "report",
    "run_batch",
    "totals_line",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
