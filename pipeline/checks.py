"""Moved to :mod:`pipeline.document.checks` (issue 10): ``engine`` and ``rules``; this module only re-exports
the old names for code that still imports them from here."""

from pipeline.document.checks.engine import (
    MAX_ROUNDING_UNITS,
    CheckResult,
    CheckStatus,
    Term,
    equality,
    evaluate,
    find_row,
    rounding_tolerance,
    term_of,
    value_term,
)
from pipeline.document.checks.rules import (
    MEASURES,
    RULES,
    check_block_total,
    check_hierarchy,
    check_items,
    check_rate,
    check_row_rule,
    check_scores,
    check_totals,
    run_table_checks,
)

__all__ = ["MAX_ROUNDING_UNITS", "MEASURES", "RULES", "CheckResult", "CheckStatus", "Term", "check_block_total",
           "check_hierarchy", "check_items", "check_rate", "check_row_rule", "check_scores", "check_totals",
           "equality", "evaluate", "find_row", "rounding_tolerance", "run_table_checks", "term_of", "value_term"]
