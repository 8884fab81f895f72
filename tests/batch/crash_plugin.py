"""Test-only plugin, loaded through ``FISCALSCAN_EXTRA_PLUGINS=crash_plugin``.

* an input whose file name contains ``crashme`` kills its worker process (``os._exit(13)``);
* one containing ``hangme`` hangs its worker;
* every opened input is appended to the file named by ``FISCALSCAN_TEST_CALL_LOG`` (when set), so a test
  can tell which inputs the pipeline actually processed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipeline import hookimpl
from pipeline.config import PipelineConfig


@hookimpl
def open_document(path: str, config: PipelineConfig) -> None:
    log = os.environ.get("FISCALSCAN_TEST_CALL_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(Path(path).name + "\n")
    name = Path(path).name
    if "crashme" in name:
        os._exit(13)
    if "hangme" in name:
        time.sleep(3600)
    return None  # let the built-in renderer open it
