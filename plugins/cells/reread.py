"""A second reading of the doubtful cells, prepared differently: agreement is evidence, disagreement keeps the doubt.

A harsh scan (150 dpi, JPEG, blur) leaves many correct readings with middling confidence; reviewing them all buries
the real errors.  The line crops of cells whose confidence lies in [``REREAD_FROM``, ``REREAD_BELOW``) are read a
second time after a different preparation (:func:`second_preparation`: contrast stretched paper-to-ink, enlarged
twice with cubic interpolation and sharpened with an unsharp mask), in one batched call.  When the second reading
gives the same text with at least ``REREAD_FROM`` confidence the cell's confidence is raised to
``AGREE_CONFIDENCE`` (flag ``second-reading-agrees``); otherwise the first reading and its confidence stand.

Measured on the 150-dpi corpus document (sibling-c-150, cells with a first confidence under 0.9): a plain enlarged
copy agreed with 65 wrong first readings (the same model repeats its errors on the same pixels: no evidence); the
stretched and sharpened copy agreed with 25 wrong and 157 right ones, and with both confidences at least 0.6 with
64 right ones and 2 wrong ones (one a misread separator that the text-shape rules still flag).  Taking the
better-scored of two disagreeing readings read 172 cells right against 176 for the first reading alone, so the
first reading is kept.  Cells below ``REREAD_FROM`` stay doubtful and are not re-read (cost: only the middle band
of doubt is read twice).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from pipeline.interfaces import LineRecognition

REREAD_FROM = 0.6
REREAD_BELOW = 0.9
AGREE_CONFIDENCE = 0.92
FLAG = "second-reading-agrees"
#: the confidence of a reading as the cells use it: weakest character probability to this power
#: (:data:`plugins.cells.reconstruct.CONFIDENCE_EXPONENT`)
EXPONENT = 3.0


def second_preparation(img: np.ndarray) -> np.ndarray:
    """A line crop stretched from its ink to its paper level, enlarged twice (cubic) and sharpened."""
    f = img.astype(np.float32)
    paper, ink = float(np.percentile(f, 90)), float(np.percentile(f, 1))
    stretched = np.clip((f - ink) / max(paper - ink, 1.0) * 255.0, 0, 255)
    up = cv2.resize(stretched, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    blur = cv2.GaussianBlur(up, (0, 0), 1.2)
    return np.clip(up * 1.8 - blur * 0.8, 0, 255).astype(np.uint8)


def reading_confidence(lines: Sequence[LineRecognition]) -> float:
    """Weakest character probability over the lines, to ``EXPONENT`` (0 when a line read nothing)."""
    confs = [c for r in lines for c in r.char_confidences]
    if not lines or any(not r.text for r in lines) or not confs:
        return 0.0
    return float(min(confs)) ** EXPONENT


def doubtful(lines: Sequence[LineRecognition]) -> bool:
    """Is a cell's first reading in the band of doubt that is read a second time."""
    return REREAD_FROM <= reading_confidence(lines) < REREAD_BELOW


def agree(first: Sequence[LineRecognition], second: Sequence[LineRecognition]) -> bool:
    """Do two readings of a cell's lines give the same text, the second with at least ``REREAD_FROM``."""
    if len(first) != len(second) or not first:
        return False
    same = all(a.text.replace(" ", "") == b.text.replace(" ", "") for a, b in zip(first, second, strict=True))
    return same and reading_confidence(second) >= REREAD_FROM
