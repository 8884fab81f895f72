"""Ratios from tallies, and the review-threshold sweep."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.evaluate.grid import SWEEP
from pipeline.evaluate.score import Mark, Tally, f1, ratio

# ----------------------------------------------------------------------------- metrics



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
