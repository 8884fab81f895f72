"""Page thumbnails for the report: each page rendered again from the source at a low resolution, turned
upright and deskewed as the pipeline did, with the detected table grids drawn on it (cell boxes blue, cells
needing review orange, cells in failing checks red)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pipeline.plugin_manager import PluginManager

log = logging.getLogger(__name__)

LONG_SIDE = 760  # pixels of a thumbnail's longer side
BLUE, ORANGE, RED = (200, 90, 20), (0, 140, 255), (40, 40, 220)  # BGR


def find_source(document: dict[str, Any], roots: Iterable[Path] = ()) -> Path | None:
    """The source file as recorded, else relative to one of ``roots`` (the output folders)."""
    raw = Path(str((document.get("source") or {}).get("path", "")))
    if not str(raw):
        return None
    for cand in (raw, *(r / raw for r in roots), *(r / raw.name for r in roots)):
        if cand.is_file():
            return cand
    return None


def page_scale(info: dict[str, Any]) -> float:
    long_side = max(int(info.get("width") or 0), int(info.get("height") or 0))
    return min(1.0, LONG_SIDE / long_side) if long_side else 1.0


def draw_grids(img: np.ndarray, tables: list[dict[str, Any]], scale_x: float, scale_y: float,
               marks: dict[tuple[str, int, int], tuple[int, int, int]]) -> np.ndarray:
    import cv2

    for t in tables:
        for c in t.get("cells", []):
            x0, y0, x1, y1 = c["bbox"]
            p0 = (round(x0 * scale_x), round(y0 * scale_y))
            p1 = (round(x1 * scale_x), round(y1 * scale_y))
            color = marks.get((t["id"], c["row"], c["col"]))
            if color is not None:
                overlay = img.copy()
                cv2.rectangle(overlay, p0, p1, color, -1)
                cv2.addWeighted(overlay, 0.35, img, 0.65, 0, dst=img)
            cv2.rectangle(img, p0, p1, BLUE, 1)
        x0, y0, x1, y1 = t["bbox"]
        cv2.rectangle(img, (round(x0 * scale_x), round(y0 * scale_y)), (round(x1 * scale_x), round(y1 * scale_y)),
                      BLUE, 2)
    return img


def thumbnails(document: dict[str, Any], marks: dict[tuple[str, int, int], tuple[int, int, int]],
               pm: PluginManager | None = None, roots: Iterable[Path] = ()) -> tuple[dict[int, bytes], str]:
    """JPEG bytes per page number, and a note when they could not be made (source gone, render failed)."""
    import cv2

    from pipeline.config import PipelineConfig
    from pipeline.errors import PipelineError
    from pipeline.geometry import upright

    path = find_source(document, roots)
    if path is None:
        return {}, f"source {document.get('source', {}).get('path', '?')} not found: no page images"
    pages = [p for p in document.get("pages", []) if p.get("status", "ok") == "ok" and p.get("width")]
    if not pages:
        return {}, ""
    dpi = float(pages[0].get("dpi") or 200.0)
    low = max(31.0, dpi * min(page_scale(p) for p in pages))
    if pm is None:
        from pipeline.plugin_manager import PluginManager

        pm = PluginManager()
    out: dict[int, bytes] = {}
    by_page: dict[int, list[dict[str, Any]]] = {}
    for t in document.get("tables", []):
        by_page.setdefault(int(t["page"]), []).append(t)
    try:
        with pm.open_document(path=str(path), config=PipelineConfig(dpi=low)) as source:
            for info in pages:
                number = int(info["page"])
                gray = source.render(number).gray
                scale = page_scale(info)
                # a PDF page comes at the low dpi already; an image comes at its own size
                h0, w0 = gray.shape
                turned = int(info.get("rotation") or 0) % 180 == 90
                want_w = (info["height"] if turned else info["width"]) * scale
                if w0 > want_w * 1.05:
                    f = want_w / w0
                    gray = cv2.resize(gray, (max(1, round(w0 * f)), max(1, round(h0 * f))),
                                      interpolation=cv2.INTER_AREA)
                up = upright(gray, int(info.get("rotation") or 0), float(info.get("skew") or 0.0))
                img = cv2.cvtColor(np.ascontiguousarray(up), cv2.COLOR_GRAY2BGR)
                img = draw_grids(img, by_page.get(number, []), img.shape[1] / info["width"],
                                 img.shape[0] / info["height"], marks)
                ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 72])
                if ok:
                    out[number] = buf.tobytes()
    except Exception as exc:  # a page image is a nicety: never fail the document's outputs for it
        if not isinstance(exc, PipelineError | OSError):
            log.exception("report thumbnails of %s failed", path)
        log.warning("report thumbnails of %s: %s", path, exc)
        return out, f"page images incomplete: {' '.join(str(exc).split())}"
    return out, ""
