"""Interfaces that plugins implement: document sources, OCR engines and table recognisers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from pipeline.model import PageImage, RecognizedTable, Table, TextLine


class DocumentSource(ABC):
    """An opened input document.  ``render`` returns a page as grayscale; it may raise ``InputError``."""

    path: str
    n_pages: int

    @abstractmethod
    def render(self, page_number: int) -> PageImage:
        """Render 1-based ``page_number``."""

    def close(self) -> None:  # noqa: B027 - optional
        """Release file handles."""

    def __enter__(self) -> DocumentSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class LineRecognition:
    """What an engine read on one line crop: text, confidence and per-character confidences.

    ``char_alternatives`` (optional; empty when the engine gives none): per character of ``text``, the readings
    the recogniser weighed next at that character, best first, as (character, probability) — ``""`` is "no
    character here" (a CTC blank).  Used to tell doubt that changes the cell's text from doubt between spellings
    the cell writes alike (:mod:`plugins.cells.charconf`)."""

    text: str
    confidence: float
    char_confidences: tuple[float, ...] = ()
    char_alternatives: tuple[tuple[tuple[str, float], ...], ...] = ()


class OcrEngine(ABC):
    """An OCR engine.  ``recognize_lines`` is the main path (cell crops, one text line each);
    ``detect_and_recognize`` finds and reads text lines on a whole image (fallback for unsplittable cells and
    captions).  Images are uint8 grayscale H×W arrays, dark text on light paper, upright."""

    name: ClassVar[str] = "base"

    @abstractmethod
    def recognize_lines(self, crops: Sequence[np.ndarray]) -> list[LineRecognition]:
        """Read one text line per crop, in order."""

    @abstractmethod
    def detect_and_recognize(self, image: np.ndarray) -> list[TextLine]:
        """Find text lines in ``image`` and read them; boxes are in ``image`` pixels."""

    def describe(self) -> dict[str, str]:
        """Model names / files / versions, for provenance in document.json."""
        return {"engine": self.name}


class TableRecognizer(ABC):
    """Recognises a table's type (``name`` is the type id written to document.json)."""

    name: ClassVar[str] = "base"

    @abstractmethod
    def score(self, table: Table) -> float:
        """Cheap 0..1 estimate that this recogniser's type fits ``table``."""

    @abstractmethod
    def recognize(self, table: Table) -> RecognizedTable:
        """Type, type confidence and column mapping for ``table``."""

    def check_rules(self, type_id: str) -> tuple[str, ...]:
        """Names of the within-table arithmetic rules (:mod:`pipeline.document.checks.rules`) that tables of ``type_id``
        (one of this recogniser's types) obey; none by default."""
        return ()
