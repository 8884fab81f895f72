"""``fiscalscan eval``: score pipeline output against an annotated table corpus (ground-truth format v1).

Each truth document of the corpus is paired with a prediction in the output folder:
``OUT/<id>/document.json``, ``OUT/<id>.json``, or any ``OUT/*/document.json`` whose ``source.sha256`` is the
hash of the document's scan.
Metrics, per document and micro-averaged over the corpus:

* tables: truth tables matched one-to-one to predicted tables of the same page by content similarity
  (Hungarian assignment, pairs below ``MIN_TABLE_SIM`` dropped) -> recall, precision; title accuracy.
* content: share of non-empty truth cells reproduced (normalised text, same span) by the predicted cell at the
  aligned position.  Rows and columns are aligned by a monotonic DP on text-bag similarity, so an extra or
  missing row/column only costs its own cells.
* numeric: amount cells (numbers written with '.', ',' or '%') whose aligned predicted cell has the same
  value -> recall (over truth amounts) and precision (over predicted amounts).
* adjacency: ICDAR 2013 neighbour relations (nearest non-empty cell right and below) -> precision/recall/F1.
* review: a predicted cell is wrong when its text differs from the aligned truth cell (non-empty cells of
  unmatched tables, rows or columns are wrong); flagged = confidence below the review threshold.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError
from pipeline.evaluate_records import RecordTally, score_document_records
from pipeline.textnorm import normalize

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

MIN_TABLE_SIM = 0.3
DEFAULT_THRESHOLD = 0.9
SWEEP: tuple[float, ...] = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)

Json = dict[str, Any]
Bag = tuple[Counter[str], Counter[str]]  # (cell texts, characters)
Mapping1D = tuple[int | None, ...]  # truth index -> predicted index

# ----------------------------------------------------------------------------- text

_NUMBER = re.compile(r"^[-+]?\(?[-+]?\d+(?:\.\d+)?\)?%?$")


def parse_number(normed: str) -> float | None:
    """Value of a normalised number ("(3.20)" -> -3.2, "12.5%" -> 12.5), else None."""
    if not _NUMBER.match(normed):
        return None
    negative = normed.startswith("(") and normed.endswith(")")
    value = float(normed.strip("()%").replace("(", "").replace(")", ""))
    return -value if negative else value


def amount_value(raw: str) -> float | None:
    """Value of an amount cell: a number written with '.', ',' or '%' (codes like "201" are not amounts)."""
    value = parse_number(normalize(raw))
    if value is None or not any(ch in unicodedata.normalize("NFKC", raw) for ch in ".,%"):
        return None
    return value


def same_value(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and round(a, 6) == round(b, 6)


# ----------------------------------------------------------------------------- table model


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    norm: str
    confidence: float | None = None

    @property
    def rows(self) -> range:
        return range(self.row, self.row + self.rowspan)

    @property
    def cols(self) -> range:
        return range(self.col, self.col + self.colspan)


@dataclass(frozen=True)
class Grid:
    id: str
    page: int
    title: str
    n_rows: int
    n_cols: int
    cells: tuple[Cell, ...]
    pos: Mapping[tuple[int, int], int] = field(repr=False)  # grid position -> index into cells

    def at(self, row: int, col: int) -> Cell | None:
        i = self.pos.get((row, col))
        return None if i is None else self.cells[i]

    def text_at(self, row: int, col: int) -> str:
        cell = self.at(row, col)
        return "" if cell is None else cell.norm


def _number(value: object, default: float | None) -> float | None:
    try:
        return default if value is None else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def parse_cell(d: Mapping[str, Any]) -> Cell | None:
    row, col = _number(d.get("row"), None), _number(d.get("col"), None)
    if row is None or col is None or row < 0 or col < 0:
        return None
    text = str(d.get("text") or "")
    return Cell(row=int(row), col=int(col), rowspan=max(1, int(_number(d.get("rowspan"), 1) or 1)),
                colspan=max(1, int(_number(d.get("colspan"), 1) or 1)), text=text, norm=normalize(text),
                confidence=_number(d.get("confidence"), None))


def parse_table(d: Mapping[str, Any]) -> Grid:
    """A truth or predicted table as a grid; of overlapping cells the first one wins a position."""
    cells = tuple(c for c in (parse_cell(x) for x in d.get("cells") or ()) if c is not None)
    pos: dict[tuple[int, int], int] = {}
    for i, c in enumerate(cells):
        for r in c.rows:
            for k in c.cols:
                pos.setdefault((r, k), i)
    return Grid(id=str(d.get("id") or ""), page=int(_number(d.get("page"), 0) or 0),
                title=str(d.get("title") or ""),
                n_rows=max([c.row + c.rowspan for c in cells] + [int(_number(d.get("n_rows"), 0) or 0)]),
                n_cols=max([c.col + c.colspan for c in cells] + [int(_number(d.get("n_cols"), 0) or 0)]),
                cells=cells, pos=pos)


# ----------------------------------------------------------------------------- similarity and alignment


def make_bag(texts: Iterable[str]) -> Bag:
    words = Counter(t for t in texts if t)
    chars: Counter[str] = Counter()
    for text, n in words.items():
        for ch in text:
            chars[ch] += n
    return words, chars


def dice(a: Counter[str], b: Counter[str]) -> float:
    total = a.total() + b.total()
    return 2.0 * (a & b).total() / total if total else 0.0


def bag_similarity(a: Bag, b: Bag) -> float:
    """Mean of the Dice coefficients of the cell-text bags and of the character bags."""
    return 0.5 * dice(a[0], b[0]) + 0.5 * dice(a[1], b[1])


def row_bags(g: Grid) -> list[Bag]:
    return [make_bag(g.text_at(r, k) for k in range(g.n_cols)) for r in range(g.n_rows)]


def col_bags(g: Grid) -> list[Bag]:
    return [make_bag(g.text_at(r, k) for r in range(g.n_rows)) for k in range(g.n_cols)]


def table_similarity(g: Grid, p: Grid) -> float:
    a, b = make_bag(c.norm for c in g.cells), make_bag(c.norm for c in p.cells)
    if a[0] or b[0]:
        return bag_similarity(a, b)
    # two tables without any text (e.g. an empty continuation row): compare shapes
    shape = (min(g.n_rows, p.n_rows) / max(1, g.n_rows, p.n_rows)
             * min(g.n_cols, p.n_cols) / max(1, g.n_cols, p.n_cols))
    return MIN_TABLE_SIM + (1 - MIN_TABLE_SIM) * shape


def monotonic_alignment(sim: Sequence[Sequence[float]]) -> Mapping1D:
    """Order-preserving alignment maximising total similarity (Needleman-Wunsch without gap cost).
    Returns, for each row of ``sim``, the aligned column or None."""
    n, m = len(sim), len(sim[0]) if sim else 0
    dp = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            dp[i][j] = max(dp[i - 1][j - 1] + sim[i - 1][j - 1], dp[i - 1][j], dp[i][j - 1])
    out: list[int | None] = [None] * n
    i, j = n, m
    while i and j:
        if sim[i - 1][j - 1] > 0 and dp[i][j] == dp[i - 1][j - 1] + sim[i - 1][j - 1]:
            out[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif dp[i][j] == dp[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return tuple(out)


def fill_gaps(a: Mapping1D, m: int) -> Mapping1D:
    """Pair unaligned truth and predicted indices in order wherever the run between two aligned neighbours
    (or an end) holds as many of each, e.g. a row left empty by the prediction but not in the truth."""
    out = list(a)
    anchors = [(-1, -1), *((i, j) for i, j in enumerate(a) if j is not None), (len(a), m)]
    for (i0, j0), (i1, j1) in pairwise(anchors):
        if i1 - i0 == j1 - j0 > 1:
            out[i0 + 1:i1] = range(j0 + 1, j1)
    return tuple(out)


def align_bags(truth: Sequence[Bag], pred: Sequence[Bag]) -> Mapping1D:
    """Truth index -> predicted index of rows (or columns), by text-bag similarity."""
    return fill_gaps(monotonic_alignment([[bag_similarity(a, b) for b in pred] for a in truth]), len(pred))


def assign(sim: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """Maximum-similarity one-to-one assignment: Hungarian when scipy is there, else greedy."""
    if not sim or not sim[0]:
        return []
    try:
        from scipy.optimize import linear_sum_assignment
    except ImportError:
        pairs: list[tuple[int, int]] = []
        cells = [(i, j) for i in range(len(sim)) for j in range(len(sim[0]))]
        for i, j in sorted(cells, key=lambda x: -sim[x[0]][x[1]]):
            if all(i != a and j != b for a, b in pairs):
                pairs.append((i, j))
        return pairs
    rows, cols = linear_sum_assignment([[-s for s in r] for r in sim])
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True)]


def match_tables(truth: Sequence[Grid], pred: Sequence[Grid]) -> list[tuple[int, int, float]]:
    """One-to-one (truth index, predicted index, similarity) pairs, page by page."""
    out = []
    for page in sorted({t.page for t in truth}):
        gi = [i for i, t in enumerate(truth) if t.page == page]
        pi = [j for j, p in enumerate(pred) if p.page == page]
        sim = [[table_similarity(truth[i], pred[j]) for j in pi] for i in gi]
        out += [(gi[a], pi[b], sim[a][b]) for a, b in assign(sim) if sim[a][b] >= MIN_TABLE_SIM]
    return sorted(out)


# ----------------------------------------------------------------------------- adjacency


def adjacency(g: Grid) -> Counter[tuple[str, str, str]]:
    """ICDAR 2013 relations: each non-empty cell with its nearest non-empty neighbour right ("H") and below
    ("V"), looked up along every row/column the cell spans (each neighbour counted once)."""
    rels: Counter[tuple[str, str, str]] = Counter()
    for i, c in enumerate(g.cells):
        if not c.norm:
            continue
        for direction, lanes in (("H", c.rows), ("V", c.cols)):
            seen: set[int] = set()
            for lane in lanes:
                j = _next_filled(g, i, lane, direction)
                if j is not None and j not in seen:
                    seen.add(j)
                    rels[(c.norm, g.cells[j].norm, direction)] += 1
    return rels


def _next_filled(g: Grid, i: int, lane: int, direction: str) -> int | None:
    c = g.cells[i]
    start, stop = (c.col + c.colspan, g.n_cols) if direction == "H" else (c.row + c.rowspan, g.n_rows)
    for k in range(start, stop):
        j = g.pos.get((lane, k) if direction == "H" else (k, lane))
        if j is not None and j != i and g.cells[j].norm:
            return j
    return None


# ----------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Tally:
    """Counts behind every metric; tallies add up, so corpus metrics are micro-averages."""

    gt_tables: int = 0
    pred_tables: int = 0
    matched_tables: int = 0
    titled: int = 0
    titles_ok: int = 0
    gt_cells: int = 0
    cells_ok: int = 0
    text_ok: int = 0  # text right, span ignored
    unflaggable: int = 0  # non-empty truth cells without any predicted cell
    gt_amounts: int = 0
    pred_amounts: int = 0
    amounts_ok: int = 0
    adj_gt: int = 0
    adj_pred: int = 0
    adj_ok: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


@dataclass(frozen=True)
class Mark:
    """One predicted cell for the review metrics."""

    confidence: float | None
    wrong: bool


@dataclass(frozen=True)
class CellError:
    row: int
    col: int
    truth: str
    pred: str | None
    kind: str  # "text", "span" or "unaligned"


@dataclass(frozen=True)
class TableResult:
    truth_id: str
    page: int
    pred_index: int | None  # index into the prediction's tables; None = missed
    similarity: float | None
    content_acc: float | None
    errors: tuple[CellError, ...] = ()


@dataclass(frozen=True)
class PairScore:
    tally: Tally
    marks: tuple[Mark, ...]
    errors: tuple[CellError, ...]


def amount_count(g: Grid) -> int:
    return sum(1 for c in g.cells if c.norm and amount_value(c.text) is not None)


def aligned_cell(c: Cell, rmap: Mapping1D, cmap: Mapping1D, p: Grid) -> Cell | None:
    """The predicted cell at the first aligned position inside truth cell ``c``."""
    for r in c.rows:
        for k in c.cols:
            pr, pc = rmap[r], cmap[k]
            if pr is not None and pc is not None and (hit := p.at(pr, pc)) is not None:
                return hit
    return None


def _back(span: range, inverse: Mapping[int, int]) -> set[int]:
    return {inverse[x] for x in span if x in inverse}


def _first(span: range, inverse: Mapping[int, int]) -> int | None:
    return next((inverse[x] for x in span if x in inverse), None)


def score_pair(g: Grid, p: Grid) -> PairScore:
    """Score a matched truth table ``g`` against predicted table ``p``."""
    rmap, cmap = align_bags(row_bags(g), row_bags(p)), align_bags(col_bags(g), col_bags(p))
    inv_r = {j: i for i, j in enumerate(rmap) if j is not None}
    inv_c = {j: i for i, j in enumerate(cmap) if j is not None}
    counts: Counter[str] = Counter()
    errors: list[CellError] = []
    for c in g.cells:
        if not c.norm:
            continue
        counts["gt_cells"] += 1
        amount = amount_value(c.text)
        counts["gt_amounts"] += amount is not None
        hit = aligned_cell(c, rmap, cmap, p)
        if hit is None:
            counts["unflaggable"] += 1
            errors.append(CellError(c.row, c.col, c.norm, None, "unaligned"))
            continue
        counts["amounts_ok"] += amount is not None and same_value(amount, parse_number(hit.norm))
        if hit.norm != c.norm:
            errors.append(CellError(c.row, c.col, c.norm, hit.norm, "text"))
            continue
        counts["text_ok"] += 1
        if _back(hit.rows, inv_r) == set(c.rows) and _back(hit.cols, inv_c) == set(c.cols):
            counts["cells_ok"] += 1
        else:
            errors.append(CellError(c.row, c.col, c.norm, hit.norm, "span"))
    marks: list[Mark] = []
    for c in p.cells:
        r, k = _first(c.rows, inv_r), _first(c.cols, inv_c)
        truth = None if r is None or k is None else g.text_at(r, k)
        marks.append(Mark(c.confidence, bool(c.norm) if truth is None else c.norm != truth))
    ga, pa = adjacency(g), adjacency(p)
    tally = Tally(gt_tables=1, pred_tables=1, matched_tables=1, titled=int(bool(g.title)),
                  titles_ok=int(bool(g.title) and normalize(g.title) == normalize(p.title)),
                  pred_amounts=amount_count(p), adj_gt=ga.total(), adj_pred=pa.total(),
                  adj_ok=(ga & pa).total(), **counts)
    return PairScore(tally, tuple(marks), tuple(errors))


def missed_table(g: Grid) -> Tally:
    filled = sum(1 for c in g.cells if c.norm)
    return Tally(gt_tables=1, titled=int(bool(g.title)), gt_cells=filled, unflaggable=filled,
                 gt_amounts=amount_count(g), adj_gt=adjacency(g).total())


def spurious_table(p: Grid) -> PairScore:
    tally = Tally(pred_tables=1, pred_amounts=amount_count(p), adj_pred=adjacency(p).total())
    return PairScore(tally, tuple(Mark(c.confidence, bool(c.norm)) for c in p.cells), ())


@dataclass(frozen=True)
class DocumentScore:
    tally: Tally
    tables: tuple[TableResult, ...]
    marks: tuple[Mark, ...]


def score_document(truth: Mapping[str, Any], pred: Mapping[str, Any] | None) -> DocumentScore:
    gts = [parse_table(t) for t in truth.get("tables") or ()]
    preds = [parse_table(t) for t in (pred or {}).get("tables") or ()]
    pairs = {i: (j, s) for i, j, s in match_tables(gts, preds)}
    matched_preds = {j for j, _ in pairs.values()}
    tally = Tally()
    marks: list[Mark] = []
    rows: list[TableResult] = []
    for i, g in enumerate(gts):
        if i not in pairs:
            tally += missed_table(g)
            rows.append(TableResult(g.id, g.page, None, None, 0.0 if any(c.norm for c in g.cells) else None))
            continue
        j, sim = pairs[i]
        ps = score_pair(g, preds[j])
        tally += ps.tally
        marks += ps.marks
        rows.append(TableResult(g.id, g.page, j, round(sim, 4), ratio(ps.tally.cells_ok, ps.tally.gt_cells),
                                ps.errors))
    for j, p in enumerate(preds):
        if j not in matched_preds:
            ps = spurious_table(p)
            tally += ps.tally
            marks += ps.marks
    return DocumentScore(tally, tuple(rows), tuple(marks))


# ----------------------------------------------------------------------------- metrics


def ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def f1(ok: int, n_pred: int, n_truth: int) -> float | None:
    if not n_pred and not n_truth:
        return None
    return 2 * ok / (n_pred + n_truth)


def metrics(t: Tally) -> dict[str, float | None]:
    return {
        "table_recall": ratio(t.matched_tables, t.gt_tables),
        "table_precision": ratio(t.matched_tables, t.pred_tables),
        "title_acc": ratio(t.titles_ok, t.titled),
        "content_acc": ratio(t.cells_ok, t.gt_cells),
        "content_acc_ignore_span": ratio(t.text_ok, t.gt_cells),
        "numeric_recall": ratio(t.amounts_ok, t.gt_amounts),
        "numeric_precision": ratio(t.amounts_ok, t.pred_amounts),
        "adjacency_precision": ratio(t.adj_ok, t.adj_pred),
        "adjacency_recall": ratio(t.adj_ok, t.adj_gt),
        "adjacency_f1": f1(t.adj_ok, t.adj_pred, t.adj_gt),
    }


@dataclass(frozen=True)
class ReviewPoint:
    threshold: float | None  # None: each document's own threshold
    flagged: int
    wrong_flagged: int
    flagged_share: float | None
    error_recall: float | None


@dataclass(frozen=True)
class Review:
    cells: int
    cells_with_confidence: int
    wrong: int
    unflaggable_missed: int
    at_threshold: ReviewPoint
    sweep: tuple[ReviewPoint, ...]


def review_point(groups: Sequence[tuple[float, Sequence[Mark]]], threshold: float | None) -> ReviewPoint:
    """Flagged = confidence below the threshold (or below each group's own one when ``threshold`` is None);
    cells without a confidence are never flagged."""
    flags = [(m.confidence is not None and m.confidence < (t if threshold is None else threshold), m.wrong)
             for t, marks in groups for m in marks]
    flagged = sum(f for f, _ in flags)
    wrong_flagged = sum(f and w for f, w in flags)
    return ReviewPoint(threshold, flagged, wrong_flagged, ratio(flagged, len(flags)),
                       ratio(wrong_flagged, sum(w for _, w in flags)))


def review(groups: Sequence[tuple[float, Sequence[Mark]]], unflaggable: int) -> Review | None:
    """Review statistics over groups of (threshold, predicted cells); None when no cell has a confidence."""
    marks = [m for _, ms in groups for m in ms]
    with_conf = sum(m.confidence is not None for m in marks)
    if not with_conf:
        return None
    thresholds = {t for t, ms in groups if ms}
    at = review_point(groups, thresholds.pop() if len(thresholds) == 1 else None)
    return Review(len(marks), with_conf, sum(m.wrong for m in marks), unflaggable, at,
                  tuple(review_point(groups, t) for t in SWEEP))


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


# ----------------------------------------------------------------------------- report

COLUMNS = (("tabR", "table_recall"), ("tabP", "table_precision"), ("title", "title_acc"),
           ("cont", "content_acc"), ("numR", "numeric_recall"), ("numP", "numeric_precision"),
           ("adjF1", "adjacency_f1"))


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def report_lines(res: CorpusResult) -> list[str]:
    width = max([len("OVERALL"), *(len(d.id) for d in res.documents)])
    lines = [f"{'document':<{width}}  {'tables':>7} " + " ".join(f"{h:>6}" for h, _ in COLUMNS)]

    def row(name: str, t: Tally, note: str = "") -> str:
        m = metrics(t)
        return (f"{name:<{width}}  {f'{t.matched_tables}/{t.gt_tables}':>7} "
                + " ".join(f"{pct(m[k]):>6}" for _, k in COLUMNS) + (f"  [{note}]" if note else ""))

    lines += [row(d.id, d.tally, d.note) for d in res.documents]
    lines.append(row("OVERALL", res.tally))
    lines.append(review_line(res.review()))
    if res.records is not None:
        lines += [records_line(d.id, d.records, width) for d in res.documents if d.records is not None]
        lines.append(records_line("OVERALL", res.records, width))
    return lines


def records_line(name: str, t: RecordTally, width: int) -> str:
    j = t.to_json()
    return (f"records {name:<{width}}  recall {pct(j['recall']):>5}  precision {pct(j['precision']):>5}  "
            f"confident precision {pct(j['confident_precision']):>5} ({j['confident_wrong']} wrong of "
            f"{t.confident})  truth {t.truth} predicted {t.pred}")


def review_line(rv: Review | None) -> str:
    if rv is None:
        return "review: no confidences in the predictions"
    a = rv.at_threshold
    t = "own" if a.threshold is None else f"{a.threshold:g}"
    sweep = " ".join(f"{p.threshold:g}:{pct(p.flagged_share)}/{pct(p.error_recall)}" for p in rv.sweep)
    return (f"review @T={t}: flags {pct(a.flagged_share)}% of {rv.cells} cells, catches "
            f"{pct(a.error_recall)}% of {rv.wrong} wrong; {rv.unflaggable_missed} truth cells missing; "
            f"sweep T:flagged%/caught% {sweep}")


def error_lines(res: CorpusResult, limit: int) -> list[str]:
    lines = []
    for d in res.documents:
        for t in d.tables:
            if t.pred_index is None:
                lines.append(f"{d.id} {t.truth_id} (page {t.page}): MISSED")
            elif t.errors:
                lines.append(f"{d.id} {t.truth_id} (page {t.page}): {len(t.errors)} error(s)")
                lines += [f"   {e.kind:9} r{e.row}c{e.col} truth={e.truth!r} pred={e.pred!r}"
                          for e in t.errors[:limit]]
    return lines


def cmd_eval(args: argparse.Namespace) -> int:
    truth, out = Path(args.truth), Path(args.pred)
    if not out.is_dir():
        raise ConfigError(f"--pred {out}: not a folder")
    res = evaluate(truth, out, args.review_threshold)
    for line in report_lines(res):
        print(line)
    if args.show_errors:
        for line in error_lines(res, args.show_errors):
            print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(result_json(res), ensure_ascii=False, indent=1) + "\n",
                                   encoding="utf-8")
    return 0


def add_parser(subparsers: SubParsers) -> argparse.ArgumentParser:
    ap = subparsers.add_parser(
        "eval", help="score pipeline output against an annotated corpus (manifest.json + truth.json)")
    ap.add_argument("--truth", required=True, metavar="CORPUS", help="corpus folder holding manifest.json")
    ap.add_argument("--pred", required=True, metavar="OUT", help="fiscalscan output folder")
    ap.add_argument("--review-threshold", type=float, metavar="T",
                    help=f"flag cells with confidence below T (default: the document's, else "
                         f"{DEFAULT_THRESHOLD})")
    ap.add_argument("--json", metavar="FILE", help="write the full results here")
    ap.add_argument("--show-errors", type=int, default=0, metavar="N",
                    help="print up to N cell errors per table")
    ap.set_defaults(func=cmd_eval)
    return ap
