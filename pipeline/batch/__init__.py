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

from pipeline.batch.driver import DEFAULT_TIMEOUT, BatchResult, run_batch
from pipeline.batch.plan import Job, config_hash, last_records, output_name, output_names, plan
from pipeline.batch.report import report, totals_line
from pipeline.batch.store import MANIFEST, BatchStore, LocalStore, ManifestError, parse_manifest

__all__ = ["DEFAULT_TIMEOUT", "MANIFEST", "BatchResult", "BatchStore", "Job", "LocalStore", "ManifestError",
           "config_hash", "last_records", "output_name", "output_names", "parse_manifest", "plan", "report",
           "run_batch", "totals_line"]
