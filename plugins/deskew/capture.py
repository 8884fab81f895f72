"""``prepare_page`` built-in: photographed sheets rectified, stamp ink suppressed, before orientation.

Order: ``plugins.deskew.perspective.rectify`` (a sheet photographed on a background: cropped to the paper and
made rectangular by a homography; its dpi from the A4 proportions) -> ``plugins.deskew.outline`` (a photo
only: the keystone its sheet's outline left, taken out by the largest table's own outer border) ->
``plugins.deskew.seals.remove_seals``
(colour pages: red/blue seals lightened in the grey image, their boxes recorded).  A grey scan comes out
unchanged (``None``: the core keeps the page as it is).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from pipeline import hookimpl
from pipeline.config import PipelineConfig
from pipeline.model import PageImage
from plugins.deskew import outline, perspective, seals


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def prepare(page: PageImage) -> PageImage | None:
    """The page rectified and without stamp ink, or None when there is nothing to do."""
    gray, rgb, dpi = page.gray, page.color, page.dpi
    homography: tuple[float, ...] | None = None
    rect = perspective.rectify(gray, rgb)
    if rect is not None:
        gray, rgb, hmat, sheet_dpi = rect
        table = outline.outline_homography(gray)
        if table is not None:
            gray, rgb = outline.apply(gray, rgb, table)
            hmat = table @ hmat
        homography = tuple(round(float(v), 6) for v in hmat.ravel())
        dpi = sheet_dpi or dpi
    clean, found = seals.remove_seals(gray, rgb, dpi)
    if homography is None and not found:
        return None
    return replace(page, gray=_readonly(clean), color=None if rgb is None else _readonly(rgb), dpi=dpi,
                   perspective=homography, seals=tuple(found))


@hookimpl(trylast=True)
def prepare_page(page: PageImage, config: PipelineConfig) -> PageImage | None:
    return prepare(page)
