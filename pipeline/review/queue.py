"""The review queue ordered by expected harm, from a document's reviewed view.

Tiers, in order (within a tier: more failing checks explained first, then lower reading confidence):

0. **structure items**: a table whose grid looks wrong (two adjacent columns with one label whose cells never
   both hold text, or that hold two values under one label; a row holding only the values of the row above it)
   and that has failing checks: one item ("columns 1–3 look split"), not the failing checks' innocent cells,
   which stay out of the queue while the item is open;
1. the one plausible culprit of a failing check (the only cell in it that no passing check confirms, or the only
   one read with low confidence);
2. stale corrections (the cell changed under a correction);
3. other unconfirmed cells of failing checks;
4. structure items of tables without failing checks;
5. cells read with low confidence, figures that feed the records before labels and words (a record holding
   Chinese text, such as a sub-label read as a data row, is no figure).

A cell that takes part in a passing exact check is confirmed and never queued; reviewed cells are not queued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.document.notes import CellRef
from pipeline.review.reasons import check_sentence, explain_flags, record_index
from pipeline.review.view import DocumentView


@dataclass(frozen=True, slots=True)
class Evidence:
    passed: frozenset[CellRef]
    failing: dict[CellRef, list[int]]  # cell → indices of failing checks


def evidence(checks: list[dict[str, Any]]) -> Evidence:
    passed: set[CellRef] = set()
    failing: dict[CellRef, list[int]] = {}
    for i, chk in enumerate(checks):
        refs = [(c["table"], c["row"], c["col"]) for c in chk.get("cells") or [] if isinstance(c, dict)]
        if chk.get("status") == "pass":
            passed.update(refs)
        elif chk.get("status") == "fail":
            for r in refs:
                failing.setdefault(r, []).append(i)
    return Evidence(frozenset(passed), failing)


def reading_confidence(cell: dict[str, Any]) -> float:
    return float(cell.get("ocr_confidence", cell.get("confidence", 0.0)))


# ------------------------------------------------------------------------------------------- structure


def _labels(table: dict[str, Any]) -> dict[int, str]:
    return {int(k): str(v) for k, v in (table.get("labels") or {}).items()}


def _same_label(a: str, b: str) -> bool:
    """Both label paths name one column: equal, or one is the other's parent only (no label of its own)."""
    if not a or not b:
        return True
    return a == b or a.startswith(b + " / ") or b.startswith(a + " / ")


def _grid(table: dict[str, Any]) -> dict[tuple[int, int], str]:
    """Text per top-left position (a spanning cell's text counts at its first column)."""
    return {(c["row"], c["col"]): str(c.get("text", "")).strip() for c in table["cells"]}


def _data_rows(table: dict[str, Any]) -> list[int]:
    rows = sorted({r["row"] for r in table.get("records") or []})
    if not rows:
        return []
    return list(range(rows[0], int(table["n_rows"])))


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _value_like(text: str) -> bool:
    """A reading of a figure (digits, possibly misread around them), not a printed word or label."""
    return bool(re.search(r"\d", text)) and not _CJK.search(text)


def split_columns(table: dict[str, Any]) -> list[tuple[int, int]]:
    """Runs of adjacent columns (first, last) that look like one column cut by a false ruling: one label (or one
    without a label of its own), and data rows with text in them of which none has text in both of two
    neighbours, or whose rows with text in both hold two figures where the column map gives both the same key.
    Words in both (sub-labels 合计 | 基本支出 | 项目支出 read as a data row) are printed columns, and columns
    with no text in any data row give no evidence either way."""
    labels, grid = _labels(table), _grid(table)
    columns = {int(k): str(v) for k, v in (table.get("columns") or {}).items()}
    rows = _data_rows(table)
    if not labels or not rows:
        return []

    def joined(k: int) -> bool:
        if not _same_label(labels.get(k, ""), labels.get(k + 1, "")):
            return False
        if not any(grid.get((r, k)) or grid.get((r, k + 1)) for r in rows):
            return False
        both = [r for r in rows if grid.get((r, k)) and grid.get((r, k + 1))]
        return not both or (columns.get(k) is not None and columns.get(k) == columns.get(k + 1) and all(
            _value_like(grid[(r, k)]) and _value_like(grid[(r, k + 1)]) for r in both))

    runs: list[tuple[int, int]] = []
    k = 0
    n = int(table["n_cols"])
    while k < n - 1:
        if joined(k):
            start = k
            while k < n - 1 and joined(k) and all(_same_label(labels.get(j, ""), labels.get(k + 1, ""))
                                                  for j in range(start, k + 1)):
                k += 1
            runs.append((start, k))
            k += 1
        else:
            k += 1
    return runs


def split_rows(table: dict[str, Any]) -> list[tuple[int, int]]:
    """Pairs of data rows (r, r + 1) where row r names a subject but has no values and row r + 1 has values but
    no code or name, and no column has text in both: one row cut by a false ruling."""
    grid = _grid(table)
    columns = {int(k): str(v) for k, v in (table.get("columns") or {}).items()}
    if not columns:
        return []
    from pipeline.document.records import is_identity

    ident = [c for c, k in columns.items() if is_identity(k)]
    values = [c for c, k in columns.items() if not is_identity(k)]
    out = []
    for r in _data_rows(table)[:-1]:
        has = {(rr, kind): any(grid.get((rr, c)) for c in cols) for rr in (r, r + 1)
               for kind, cols in (("id", ident), ("val", values))}
        clash = any(grid.get((r, c)) and grid.get((r + 1, c)) for c in range(int(table["n_cols"])))
        if has[(r, "id")] and not has[(r, "val")] and has[(r + 1, "val")] and not has[(r + 1, "id")] and not clash:
            out.append((r, r + 1))
    return out


# ------------------------------------------------------------------------------------------- items


def structure_items(view: DocumentView, ev: Evidence, checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    doc = view.document
    out = []
    for t in doc.get("tables", []):
        if t.get("grid_ok"):
            continue
        proposals = [("merge_cols", {"first": a, "last": b}, f"columns {a + 1}–{b + 1} look like one column cut by "
                      f"a false ruling (one label, and their cells never both hold text)") for a, b in split_columns(t)]
        proposals += [("merge_rows", {"first": a, "last": b}, f"rows {a + 1} and {b + 1} look like one row cut by "
                       "a false ruling (the names in one, the values in the other)") for a, b in split_rows(t)]
        if not proposals:
            continue
        failing = sorted({i for ref, idx in ev.failing.items() if ref[0] == t["id"] for i in idx})
        for op, args, why in proposals:
            out.append({
                "kind": "structure", "document": view.name, "table": t["id"], "page": t["page"],
                "title": t.get("title", ""), "op": op, "args": args, "reason": why,
                "failing_checks": [checks[i]["rule"] for i in failing], "tier": 0 if failing else 4,
                "harm": len(failing), "structure_version": view.structure_version,
                "affected": sorted({ref for ref, idx in ev.failing.items() if set(idx) & set(failing)}),
            })
    return out


def cell_items(view: DocumentView, ev: Evidence, checks: list[dict[str, Any]], hidden: set[CellRef]
               ) -> list[dict[str, Any]]:
    doc = view.document
    threshold = float(doc.get("review_threshold", 0.9))
    records = record_index(doc)
    cells = {(t["id"], c["row"], c["col"]): (t, c) for t in doc.get("tables", []) for c in t["cells"]}
    # the one plausible culprit of each failing check
    culprit_of: dict[CellRef, int] = {}
    for chk in checks:
        if chk.get("status") != "fail":
            continue
        refs = [(c["table"], c["row"], c["col"]) for c in chk.get("cells") or [] if isinstance(c, dict)]
        open_refs = [r for r in refs if r not in ev.passed and r in cells]
        unsure = [r for r in open_refs if reading_confidence(cells[r][1]) < threshold or cells[r][1].get("suggestion")]
        one = open_refs if len(open_refs) == 1 else unsure if len(unsure) == 1 else []
        for r in one:
            culprit_of[r] = culprit_of.get(r, 0) + 1
    stale = {(c.table_id, c.row, c.col) for c in view.stale if c.grid == view.structure_version}
    out = []
    for ref, (t, c) in cells.items():
        if c.get("source") == "reviewer" and ref not in stale:
            continue
        failing = ev.failing.get(ref, [])
        if ref in ev.passed and ref not in stale:
            continue  # confirmed by arithmetic
        if ref in culprit_of:
            tier = 1
        elif ref in stale:
            tier = 2
        elif failing:
            tier = 3
        elif c.get("needs_review") or c.get("source") == "typing":
            tier = 5
        else:
            continue
        if ref in hidden and tier != 2:
            continue
        # a figure (however misread) feeding the data; a word the type keyed as a record is none
        is_value = ref in records and not _CJK.search(str(c.get("text", "")))
        reasons = [check_sentence(checks[i], records, doc) for i in failing]
        if tier == 1:
            reasons.insert(0, "the only uncertain cell of a failing check: its reading is the likely error")
        if tier == 5 and reading_confidence(c) < threshold:
            reasons.append(f"read with low confidence ({reading_confidence(c):.2f})")
        elif tier == 5:
            reasons += explain_flags([f for f in c.get("flags", ()) if f == "structure"]) or [
                f"low confidence ({float(c.get('confidence', 0.0)):.2f})"]
        out.append({
            "kind": "cell", "document": view.name, "table": t["id"], "page": t["page"], "row": c["row"],
            "col": c["col"], "text": c.get("base_text", c.get("text", "")), "value": c.get("text", ""),
            "confidence": float(c.get("confidence", 0.0)), "suggestion": c.get("suggestion"),
            "tier": tier, "harm": culprit_of.get(ref, 0) * 10 + len(failing) + (1 if is_value else 0),
            "reasons": reasons, "flags": explain_flags(list(c.get("flags", ()))), "stale": ref in stale,
            "structure_version": view.structure_version,
        })
    return out


def document_checks(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's checks, cells as {table, row, col} (a document.json written without document-level checks:
    its tables' checks, ``[row, col]`` refs meaning the table's own cells)."""
    if "checks" in doc:
        return list(doc["checks"] or [])
    out = []
    for t in doc.get("tables", []):
        for chk in t.get("checks") or []:
            cells = [c if isinstance(c, dict) else {"table": t["id"], "row": int(c[0]), "col": int(c[1])}
                     for c in chk.get("cells") or [] if isinstance(c, dict | list | tuple)]
            status = "pass" if str(chk.get("status", "")).lower() in ("ok", "pass", "passed") else chk.get("status")
            out.append({**chk, "status": status, "cells": [{"table": t["id"], **c} for c in cells]})
    return out


def queue_items(view: DocumentView) -> list[dict[str, Any]]:
    """Every open item of one document, most harmful first."""
    checks = document_checks(view.document)
    ev = evidence(checks)
    structure = structure_items(view, ev, checks)
    hidden = {tuple(r) for s in structure if s["tier"] == 0 for r in s["affected"]}
    items = structure + cell_items(view, ev, checks, hidden)  # type: ignore[arg-type]
    items.sort(key=lambda i: (i["tier"], -i["harm"], i.get("confidence", 0.0), i["table"], i.get("row", -1),
                              i.get("col", -1)))
    for s in structure:
        s["affected"] = [list(r) for r in s["affected"]]
    return items
