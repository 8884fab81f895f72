"""Scores of one document: matched tables, aligned cells, amounts, adjacency, review marks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from pipeline.evaluate.align import adjacency, align_bags, col_bags, match_tables, row_bags
from pipeline.evaluate.grid import Cell, Grid, Mapping1D, amount_value, parse_number, parse_table, same_value
from pipeline.textnorm import normalize

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


def ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def f1(ok: int, n_pred: int, n_truth: int) -> float | None:
    if not n_pred and not n_truth:
        return None
    return 2 * ok / (n_pred + n_truth)
