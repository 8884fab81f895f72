"""The ``generic`` table recogniser: takes any table no typed recogniser claims (no table is ever dropped)."""

from __future__ import annotations

from typing import ClassVar

from pipeline import hookimpl
from pipeline.interfaces import TableRecognizer
from pipeline.model import RecognizedTable, Table


class GenericRecognizer(TableRecognizer):
    name: ClassVar[str] = "generic"

    def score(self, table: Table) -> float:
        return 0.0  # never competes; used when no other recogniser scores above the minimum

    def recognize(self, table: Table) -> RecognizedTable:
        return RecognizedTable(type=self.name, type_confidence=1.0,
                               columns={c: f"col{c}" for c in range(table.n_cols)})


@hookimpl
def register_recognizers() -> list[type[TableRecognizer]]:
    return [GenericRecognizer]
