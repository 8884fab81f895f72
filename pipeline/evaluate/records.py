"""Record scoring for ``fiscalscan eval``: the records a prediction wrote against the records the project's own
recognisers and record builder make from the truth cells.

A record is identified by (table type, row key, column key, value):

* row key — ``subject_code`` + ``level`` when the row has a code, else its ``subject_name`` (for untyped tables
  the row's label path), compared as normalised text;
* column key — the canonical ``column`` of typed tables, else the printed ``label`` path (normalised);
* value — the exact decimal, or the normalised text of a non-numeric cell.

A predicted record is right when a truth record with the same identity exists (multiset: each truth record is
matched once; among predicted duplicates the most confident are matched first).  Reported per document and
overall: recall (right / truth records), precision (right / predicted records), and the precision of confident
records (confidence ≥ the review threshold) with the number of confident wrong ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pipeline.textnorm import normalize

if TYPE_CHECKING:
    from pipeline.model import Table
    from pipeline.plugin_manager import PluginManager

RecordKey = tuple[str, str, str, str]


@dataclass(frozen=True)
class RecordTally:
    truth: int = 0
    pred: int = 0
    right: int = 0
    confident: int = 0
    confident_right: int = 0

    def __add__(self, other: RecordTally) -> RecordTally:
        return RecordTally(self.truth + other.truth, self.pred + other.pred, self.right + other.right,
                           self.confident + other.confident, self.confident_right + other.confident_right)

    def to_json(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {"recall": ratio(self.right, self.truth), "precision": ratio(self.right, self.pred),
                "confident_precision": ratio(self.confident_right, self.confident),
                "confident_wrong": self.confident - self.confident_right,
                "truth": self.truth, "predicted": self.pred, "right": self.right, "confident": self.confident}


def _norm(text: object) -> str:
    return normalize(text)


def record_key(table_type: str, r: Mapping[str, Any]) -> RecordKey:
    """The identity of one record (a document.json record dict, or :meth:`Record.to_json`)."""
    code = str(r.get("subject_code") or "")
    row = f"{code}|{r.get('level') or ''}" if code else _norm(r.get("subject_name"))
    column = str(r.get("column") or "") or "label:" + _norm(r.get("label"))
    value = r.get("value")
    v = str(value) if value not in (None, "") else "text:" + _norm(r.get("text"))
    return (table_type, row, column, v)


def _truth_table(d: Mapping[str, Any]) -> Table:
    from pipeline.model import BBox, Cell, Table

    box = BBox(0, 0, 1, 1)
    cells = tuple(Cell(row=c["row"], col=c["col"], rowspan=c.get("rowspan", 1), colspan=c.get("colspan", 1),
                       text=c.get("text") or "", confidence=1.0, bbox=box) for c in d.get("cells") or ())
    return Table(id=str(d["id"]), page=int(d["page"]), bbox=box, n_rows=int(d["n_rows"]), n_cols=int(d["n_cols"]),
                 cells=cells, title=d.get("title") or "", title_confidence=1.0, continued=bool(d.get("continued")))


@cache
def _plugin_manager() -> PluginManager:
    from pipeline.plugin_manager import PluginManager

    return PluginManager()


def truth_records(truth: Mapping[str, Any], document: str, pm: PluginManager | None = None) -> list[RecordKey]:
    """The records the pipeline's own recognisers and record builder make from the truth cells."""
    from pipeline.config import PipelineConfig
    from pipeline.document.analysis import analyse
    from pipeline.runner import recognise

    pm = pm or _plugin_manager()
    recognizers = pm.recognizers()
    tables = recognise([_truth_table(t) for t in truth.get("tables") or ()], recognizers)
    result = analyse(document, tables, recognizers, pm, PipelineConfig(), fusion=False)
    types = {t.id: t.type for t in tables}
    return [record_key(types.get(r.table, r.table_type), r.to_json()) for r in result.records]


def predicted_records(pred: Mapping[str, Any]) -> list[tuple[RecordKey, float]]:
    out = []
    heads: dict[str, str] = {}
    for t in pred.get("tables") or ():
        heads[str(t.get("id"))] = str(t.get("type") or "generic")
    for t in pred.get("tables") or ():
        for r in t.get("records") or ():
            table_type = heads.get(str(r.get("table")), str(t.get("type") or "generic"))
            out.append((record_key(table_type, r), float(r.get("confidence", 1.0))))
    return out


def score_records(truth: Iterable[RecordKey], pred: Sequence[tuple[RecordKey, float]], threshold: float
                  ) -> RecordTally:
    left = Counter(truth)
    n_truth = sum(left.values())
    right = confident = confident_right = 0
    for key, conf in sorted(pred, key=lambda p: -p[1]):
        ok = left[key] > 0
        if ok:
            left[key] -= 1
            right += 1
        if conf >= threshold:
            confident += 1
            confident_right += ok
    return RecordTally(n_truth, len(pred), right, confident, confident_right)


def score_document_records(truth: Mapping[str, Any], pred: Mapping[str, Any] | None, document: str,
                           threshold: float) -> RecordTally:
    return score_records(truth_records(truth, document), predicted_records(pred or {}), threshold)


def wrong_records(truth: Iterable[RecordKey], pred: Sequence[tuple[RecordKey, float]], threshold: float
                  ) -> list[tuple[RecordKey, float]]:
    """The confident predicted records with no truth record (for inspection)."""
    left = Counter(truth)
    out = []
    for key, conf in sorted(pred, key=lambda p: -p[1]):
        if left[key] > 0:
            left[key] -= 1
        elif conf >= threshold:
            out.append((key, conf))
    return out
