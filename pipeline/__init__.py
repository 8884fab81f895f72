"""fiscalscan core: hook specifications, page data model and the document runner.

Plugins implement hooks with ``@pipeline.hookimpl``.  Heavy dependencies (onnxruntime, pypdfium2) are imported
lazily by the plugins that need them.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"
PROJECT = "fiscalscan"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "__version__", "hookimpl", "hookspec"]
