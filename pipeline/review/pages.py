"""Upright page images for review, rendered from the document's source and cached as PNGs.

The pipeline does not keep the deskewed page image, so the review server renders the page again from
``source.path`` at the recorded dpi and applies the recorded rotation and skew; the cell boxes of
document.json are in the pixels of that image.  Cached under ``<out>/<doc>/.review/pages/pNNN-<key>.png``,
where the key (``store.image_key``) is made of everything the image depends on (source sha256, page, dpi,
rotation, skew): a document re-run with another scan or dpi never gets the previous run's image.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pipeline.errors import InputError
from pipeline.review.store import image_key

_lock = threading.Lock()


def page_png_path(out_dir: Path, doc: str, page: int, key: str) -> Path:
    return out_dir / doc / ".review" / "pages" / f"p{page:03d}-{key}.png"


def source_path(out_dir: Path, document: dict[str, Any]) -> Path:
    """The source file: as recorded, else relative to the output folder or its parent."""
    raw = Path(document["source"]["path"])
    for cand in (raw, out_dir / raw, out_dir.parent / raw):
        if cand.is_file():
            return cand
    raise InputError(str(raw), "source document not found; cannot render the page for review")


def render_upright(out_dir: Path, doc: str, document: dict[str, Any], page: int) -> Path:
    """Path of the cached upright PNG of ``page`` (1-based), rendering it on first use."""
    target = page_png_path(out_dir, doc, page, image_key(document, page))
    if target.is_file():
        return target
    with _lock:
        if target.is_file():
            return target
        gray = _render(out_dir, document, page)
        target.parent.mkdir(parents=True, exist_ok=True)
        ok, buf = cv2.imencode(".png", gray)
        if not ok:
            raise InputError(str(target), "cannot encode page image")
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(buf.tobytes())
        tmp.replace(target)
        for old in target.parent.glob(f"p{page:03d}*.png"):  # images of earlier runs of this page
            if old != target:
                old.unlink(missing_ok=True)
    return target


def _render(out_dir: Path, document: dict[str, Any], page: int) -> np.ndarray:
    from pipeline.config import PipelineConfig
    from pipeline.geometry import upright
    from pipeline.plugin_manager import PluginManager

    info = next((p for p in document.get("pages", []) if p.get("page") == page), {})
    dpi = float(info.get("dpi") or 200.0)
    path = source_path(out_dir, document)
    with PluginManager().open_document(path=str(path), config=PipelineConfig(dpi=dpi)) as source:
        image = source.render(page)
    return upright(image.gray, int(info.get("rotation") or 0), float(info.get("skew") or 0.0))


def crop_png(page_png: Path, box: tuple[float, float, float, float], pad: int = 6) -> bytes:
    """PNG bytes of ``box`` (x0, top, x1, bottom) cut from the page image, with a small margin."""
    gray = cv2.imread(str(page_png), cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise InputError(str(page_png), "cannot read page image")
    h, w = gray.shape
    x0, y0 = max(0, int(box[0]) - pad), max(0, int(box[1]) - pad)
    x1, y1 = min(w, int(box[2]) + pad), min(h, int(box[3]) + pad)
    if x1 <= x0 or y1 <= y0:
        x0, y0, x1, y1 = 0, 0, min(w, 1), min(h, 1)
    ok, buf = cv2.imencode(".png", gray[y0:y1, x0:x1])
    return buf.tobytes() if ok else b""
