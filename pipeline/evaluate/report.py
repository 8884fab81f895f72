"""The text report of ``fiscalscan eval``: a table per document, record scores, the review sweep, errors."""

from __future__ import annotations

from pipeline.evaluate.corpus import CorpusResult
from pipeline.evaluate.metrics import Review, metrics
from pipeline.evaluate.records import RecordTally
from pipeline.evaluate.score import Tally

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
