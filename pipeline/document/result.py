"""What the document half's analysis step returns (:func:`pipeline.document.analysis.analyse`), frozen."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.document.checks.engine import CheckResult
from pipeline.document.records import LogicalTable, Record
from pipeline.model import Table


@dataclass(frozen=True, slots=True)
class Analysis:
    tables: tuple[Table, ...]  # with check-aware confidences and suggestions
    logical: tuple[LogicalTable, ...]
    table_checks: tuple[CheckResult, ...]
    cross_checks: tuple[CheckResult, ...]
    records: tuple[Record, ...] = ()

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        return (*self.table_checks, *self.cross_checks)

    def summary(self) -> dict[str, int]:
        out = {"pass": 0, "rounding": 0, "fail": 0}
        for c in self.checks:
            out[c.status] += 1
        return out
