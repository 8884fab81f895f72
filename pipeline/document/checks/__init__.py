"""Arithmetic checks on logical tables: the engine (:mod:`.engine`), the within-table rules named by the table
types (:mod:`.rules`), the rules for tables of no known type (:mod:`.generic`)."""
