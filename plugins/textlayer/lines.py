"""Step 1: the page's visible characters joined into lines and runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.model import BBox, PageChar, PageImage
from plugins.textlayer.thresholds import _WS


@dataclass(frozen=True, slots=True)
class Run:
    """Characters of one text line that sit close together (a cell's line, a caption): indices into
    ``PageImage.chars`` in reading order, and their bounding box."""

    indices: tuple[int, ...]
    bbox: BBox


def visible(chars: Sequence[PageChar]) -> list[int]:
    """Indices of the visible, non-blank characters."""
    return [i for i, c in enumerate(chars) if c.visible and not c.text.isspace()]


def readable(page: PageImage) -> list[int]:
    """Indices of the characters a reader sees: visible, and not found to draw nothing by the check.  Blanks
    are kept (the document's own spaces between words)."""
    undrawn = page.text_check.undrawn if page.text_check is not None else frozenset()
    return [i for i, c in enumerate(page.chars) if c.visible and i not in undrawn]


def char_height(chars: Sequence[PageChar], indices: Sequence[int]) -> float:
    """Median box height: the layer's em."""
    if not indices:
        return 1.0
    return max(1.0, float(np.median([chars[i].bbox.height for i in indices])))


def group_lines(chars: Sequence[PageChar], indices: Sequence[int]) -> list[list[int]]:
    """Characters grouped into lines (top to bottom), each line left to right.  A character joins the line
    whose vertical centre lies within half a character height of its own."""
    lines: list[tuple[float, float, list[int]]] = []  # centre, height, members
    for i in sorted(indices, key=lambda i: ((chars[i].bbox.top + chars[i].bbox.bottom) / 2, chars[i].bbox.x0)):
        b = chars[i].bbox
        cy, h = (b.top + b.bottom) / 2, max(b.height, 1.0)
        for k, (lcy, lh, members) in enumerate(lines):
            if abs(cy - lcy) <= 0.5 * max(h, lh):
                members.append(i)
                n = len(members)
                lines[k] = ((lcy * (n - 1) + cy) / n, max(lh, h), members)
                break
        else:
            lines.append((cy, h, [i]))
    lines.sort(key=lambda t: t[0])
    return [sorted(m, key=lambda i: chars[i].bbox.x0) for _, _, m in lines]


def line_text(chars: Sequence[PageChar], line: Sequence[int]) -> str:
    """A line's characters as one string; runs of the document's own blanks become one space."""
    return _WS.sub(" ", "".join(chars[i].text for i in line)).strip()


def split_runs(chars: Sequence[PageChar], line: Sequence[int], max_gap: float) -> list[Run]:
    """Cut a line where the horizontal gap between neighbours exceeds ``max_gap`` pixels."""
    runs: list[list[int]] = []
    for i in line:
        if runs and chars[i].bbox.x0 - chars[runs[-1][-1]].bbox.x1 <= max_gap:
            runs[-1].append(i)
        else:
            runs.append([i])
    out = []
    for r in runs:
        box = chars[r[0]].bbox
        for i in r[1:]:
            box = box.union(chars[i].bbox)
        out.append(Run(tuple(r), box))
    return out
