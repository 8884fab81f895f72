"""Moved to :mod:`pipeline.document.analysis` and :mod:`pipeline.document.codec` (issue 10); this module only
re-exports the old names for code that still imports them from here."""

from pipeline.document.analysis import analyse, name_classes, refresh_records_and_checks, rules_for
from pipeline.document.codec import checks_touching, table_from_json
from pipeline.document.result import Analysis

__all__ = ["Analysis", "analyse", "checks_touching", "name_classes", "refresh_records_and_checks", "rules_for",
           "table_from_json"]
