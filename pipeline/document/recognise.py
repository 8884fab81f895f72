"""Step 2 of the document half: repair split columns, then type every table.

Input: the document's tables in order (continuations marked) and the recognisers (``register_recognizers``);
output: the same tables, repaired (:mod:`pipeline.document.structure`), with ``type``, ``type_confidence`` and the
recogniser's notes (``columns``, ``labels``, ``header_rows``, ``blocks``).  Pure.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.document.notes import TableNotes, column_map
from pipeline.interfaces import TableRecognizer
from pipeline.model import RecognizedTable, Table

MIN_TYPE_SCORE = 0.5


def document_kind(tables: list[Table]) -> str | None:
    """"final" or "budget" when most tables whose title or header decides say so; None otherwise."""
    from collections import Counter

    from pipeline.tabletypes import header_text, table_kind

    kinds = Counter(k for t in tables if not t.continued for k, _src in [table_kind(t.title, header_text(t))] if k)
    if not kinds:
        return None
    (best, n), *rest = kinds.most_common()
    return best if not rest or n > rest[0][1] else None


def with_recognition(notes: TableNotes, rec: RecognizedTable) -> TableNotes:
    """``notes`` with what the recogniser found (a field it left unset keeps its value)."""
    return replace(notes, columns=column_map(rec.columns) if rec.columns else notes.columns,
                   header_rows=notes.header_rows if rec.header_rows is None else rec.header_rows,
                   labels=notes.labels if rec.labels is None else rec.labels,
                   blocks=notes.blocks if rec.blocks is None else rec.blocks,
                   fuzzy_labels=notes.fuzzy_labels if rec.fuzzy_labels is None else rec.fuzzy_labels)


def recognise(tables: list[Table], recognizers: list[TableRecognizer]) -> list[Table]:
    """Type every table (after removing the column boundaries its rows do not support, see
    :mod:`pipeline.document.structure`): the best typed recogniser scoring above ``MIN_TYPE_SCORE``, else ``generic``;
    a continuation carries its head's type.  Tables whose own title and header say neither 决算 nor 预算 are
    given the document's kind (the majority of those that do) as a hint (``notes.document_kind``, seen by the
    recognisers only)."""
    from pipeline.document.structure import repair_tables

    tables = repair_tables(tables)
    generic = next((r for r in recognizers if r.name == "generic"), None)
    hint = document_kind(tables)
    out: list[Table] = []
    for table in tables:
        t = replace(table, notes=replace(table.notes, document_kind=hint)) if hint else table
        if t.continued and out:
            head = out[-1]
            out.append(replace(table, type=head.type, type_confidence=head.type_confidence))
            continue
        scored = sorted(((r.score(t), r) for r in recognizers if r.name != "generic"),
                        key=lambda x: -x[0])
        chosen = scored[0][1] if scored and scored[0][0] >= MIN_TYPE_SCORE else generic
        if chosen is None:
            out.append(table)
            continue
        rec = chosen.recognize(t)
        out.append(replace(table, type=rec.type, type_confidence=rec.type_confidence,
                           notes=with_recognition(table.notes, rec)))
    return out
