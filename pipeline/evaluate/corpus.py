"""Pairing each truth document of a corpus with its prediction, and the corpus result."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.evaluate.grid import DEFAULT_THRESHOLD, Json, _number
from pipeline.evaluate.metrics import Review, metrics, review
from pipeline.evaluate.records import RecordTally, score_document_records
from pipeline.evaluate.score import Mark, TableResult, Tally, score_document

# ----------------------------------------------------------------------------- corpus and pairing


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_json(path: Path) -> Json | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def predictions_by_sha(out_dir: Path) -> dict[str, Path]:
    """``source.sha256`` -> path of every ``OUT/*/document.json`` (first one, sorted, wins)."""
    index: dict[str, Path] = {}
    for path in sorted(out_dir.glob("*/document.json")):
        sha = ((read_json(path) or {}).get("source") or {}).get("sha256")
        if isinstance(sha, str):
            index.setdefault(sha.lower(), path)
    return index


def find_prediction(out_dir: Path, doc_id: str, scan: Path | None,
                    by_sha: Callable[[], Mapping[str, Path]]) -> Path | None:
    """``OUT/<id>/document.json``, else ``OUT/<id>.json``, else the output whose source hash is the scan's
    (``by_sha`` returns the ``predictions_by_sha`` index, built only when a document needs it)."""
    for cand in (out_dir / doc_id / "document.json", out_dir / f"{doc_id}.json"):
        if cand.is_file():
            return cand
    if scan is not None and scan.is_file():
        return by_sha().get(file_sha256(scan))
    return None


@dataclass(frozen=True)
class DocumentResult:
    id: str
    prediction: str | None
    threshold: float
    tally: Tally
    tables: tuple[TableResult, ...]
    marks: tuple[Mark, ...] = field(repr=False)
    note: str = ""
    records: RecordTally | None = None


@dataclass(frozen=True)
class CorpusResult:
    truth: str
    pred: str
    documents: tuple[DocumentResult, ...]

    @property
    def tally(self) -> Tally:
        return sum((d.tally for d in self.documents), Tally())

    @property
    def records(self) -> RecordTally | None:
        scored = [d.records for d in self.documents if d.records is not None]
        return sum(scored, RecordTally()) if scored else None

    def review(self, docs: Sequence[DocumentResult] | None = None) -> Review | None:
        docs = self.documents if docs is None else docs
        return review([(d.threshold, d.marks) for d in docs], sum(d.tally.unflaggable for d in docs))


def evaluate_document(corpus: Path, entry: Mapping[str, Any], out_dir: Path,
                      by_sha: Callable[[], Mapping[str, Path]], threshold: float | None,
                      with_records: bool = True) -> DocumentResult:
    doc_id = str(entry["id"])
    folder = corpus / str(entry.get("dir") or doc_id)
    truth = read_json(folder / str(entry.get("truth") or "truth.json"))
    if truth is None:
        raise ConfigError(f"{folder}: no readable truth file for document {doc_id!r}")
    scan = folder / str(entry["scan"]) if entry.get("scan") else None
    path = find_prediction(out_dir, doc_id, scan, by_sha)
    pred = read_json(path) if path is not None else None
    note = "" if pred is not None else ("unreadable prediction" if path is not None else "no prediction")
    if threshold is None:
        threshold = _number((pred or {}).get("review_threshold"), None)
    score = score_document(truth, pred)
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    records = score_document_records(truth, pred, doc_id, threshold) if with_records else None
    return DocumentResult(doc_id, None if path is None else str(path), threshold, score.tally, score.tables,
                          score.marks, note, records)


def evaluate(corpus: Path, out_dir: Path, threshold: float | None = None, records: bool = True) -> CorpusResult:
    manifest = read_json(corpus / "manifest.json")
    if manifest is None:
        raise ConfigError(f"{corpus}: no readable manifest.json")
    by_sha = cache(lambda: predictions_by_sha(out_dir))
    entries = manifest.get("documents") or ()
    docs = tuple(evaluate_document(corpus, d, out_dir, by_sha, threshold, records) for d in entries)
    return CorpusResult(str(corpus), str(out_dir), docs)


def result_json(res: CorpusResult) -> Json:
    def summary(tally: Tally, rv: Review | None, rec: RecordTally | None) -> Json:
        return {**metrics(tally), "counts": asdict(tally), "review": None if rv is None else asdict(rv),
                "records": None if rec is None else rec.to_json()}

    return {
        "truth": res.truth, "pred": res.pred,
        "overall": summary(res.tally, res.review(), res.records),
        "documents": {d.id: {"prediction": d.prediction, "review_threshold": d.threshold, "note": d.note,
                             **summary(d.tally, res.review([d]), d.records),
                             "tables": [asdict(t) for t in d.tables]}
                      for d in res.documents},
    }
