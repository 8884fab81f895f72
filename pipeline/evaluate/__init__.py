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

# a function named as its module: bound here, or the submodule (set on the package when it loads) would
# shadow it
from pipeline.evaluate.metrics import metrics
from pipeline.lazy import lazy_exports

#: what the package offers, by the module that defines it (imported on first use, so that the subcommand's
#: parser, all ``fiscalscan --help`` needs, does not load the rest)
_EXPORTS: dict[str, str] = {
    "add_parser": "pipeline.evaluate.cli",
    "Cell": "pipeline.evaluate.grid",
    "CorpusResult": "pipeline.evaluate.corpus",
    "DEFAULT_THRESHOLD": "pipeline.evaluate.grid",
    "DocumentResult": "pipeline.evaluate.corpus",
    "DocumentScore": "pipeline.evaluate.score",
    "Grid": "pipeline.evaluate.grid",
    "MIN_TABLE_SIM": "pipeline.evaluate.grid",
    "PairScore": "pipeline.evaluate.score",
    "Review": "pipeline.evaluate.metrics",
    "ReviewPoint": "pipeline.evaluate.metrics",
    "SWEEP": "pipeline.evaluate.grid",
    "Tally": "pipeline.evaluate.score",
    "adjacency": "pipeline.evaluate.align",
    "amount_value": "pipeline.evaluate.grid",
    "evaluate": "pipeline.evaluate.corpus",
    "evaluate_document": "pipeline.evaluate.corpus",
    "f1": "pipeline.evaluate.score",
    "find_prediction": "pipeline.evaluate.corpus",
    "match_tables": "pipeline.evaluate.align",
    "monotonic_alignment": "pipeline.evaluate.align",
    "normalize": "pipeline.textnorm",
    "parse_cell": "pipeline.evaluate.grid",
    "parse_number": "pipeline.evaluate.grid",
    "parse_table": "pipeline.evaluate.grid",
    "ratio": "pipeline.evaluate.score",
    "result_json": "pipeline.evaluate.corpus",
    "review": "pipeline.evaluate.metrics",
    "review_point": "pipeline.evaluate.metrics",
    "same_value": "pipeline.evaluate.grid",
    "score_document": "pipeline.evaluate.score",
    "score_pair": "pipeline.evaluate.score",
    "table_similarity": "pipeline.evaluate.align",
}

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_TABLE_SIM",
    "SWEEP",
    "Cell",
    "CorpusResult",
    "DocumentResult",
    "DocumentScore",
    "Grid",
    "PairScore",
    "Review",
    "ReviewPoint",
    "Tally",
    "add_parser",
    "adjacency",
    "amount_value",
    "evaluate",
    "evaluate_document",
    "f1",
    "find_prediction",
    "match_tables",
    "metrics",
    "monotonic_alignment",
    "normalize",
    "parse_cell",
    "parse_number",
    "parse_table",
    "ratio",
    "result_json",
    "review",
    "review_point",
    "same_value",
    "score_document",
    "score_pair",
    "table_similarity",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
