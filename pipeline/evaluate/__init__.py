"""``fiscalscan eval`` (an application apart from the pipeline): score pipeline output against an annotated
table corpus (ground-truth format v1).

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

Modules in data order: :mod:`.grid` (tables read from JSON), :mod:`.align` (similarity, alignment, table
matching, adjacency), :mod:`.score` (one document), :mod:`.records` (record scores), :mod:`.metrics` (ratios,
review sweep), :mod:`.corpus` (pairing and the corpus result), :mod:`.cli` (report and subcommand).
"""

from __future__ import annotations

from pipeline.evaluate.align import adjacency, match_tables, monotonic_alignment, table_similarity
from pipeline.evaluate.corpus import (
    CorpusResult,
    DocumentResult,
    evaluate,
    evaluate_document,
    find_prediction,
    result_json,
)
from pipeline.evaluate.grid import (
    DEFAULT_THRESHOLD,
    MIN_TABLE_SIM,
    SWEEP,
    Cell,
    Grid,
    amount_value,
    parse_cell,
    parse_number,
    parse_table,
    same_value,
)
from pipeline.evaluate.metrics import Review, ReviewPoint, metrics, review, review_point
from pipeline.evaluate.score import DocumentScore, PairScore, Tally, f1, ratio, score_document, score_pair
from pipeline.textnorm import normalize

__all__ = ["DEFAULT_THRESHOLD", "MIN_TABLE_SIM", "SWEEP", "Cell", "CorpusResult", "DocumentResult", "DocumentScore",
           "Grid", "PairScore", "Review", "ReviewPoint", "Tally", "adjacency", "amount_value", "evaluate",
           "evaluate_document", "f1", "find_prediction", "match_tables", "metrics", "monotonic_alignment",
           "normalize", "parse_cell", "parse_number", "parse_table", "ratio", "result_json", "review",
           "review_point", "same_value", "score_document", "score_pair", "table_similarity"]
