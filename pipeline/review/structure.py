"""Structure edits of a table's grid, as a reviewer makes them: merge or split columns and rows, mark a ruling as
false (the same as merging the two bands it separates), set a column's role, or say the grid is right.

Pure functions over a table in its document.json form (a dict with ``cells``, ``n_rows``, ``n_cols``, ``bbox``
…); each returns a new table and never changes its argument.  Every grid position stays covered by exactly one
cell.  Cells whose text the edit made unknown (the halves of a split cell, a merged cell whose parts both held
text) carry ``"reread": true`` until :mod:`pipeline.review.view` reads them again from the page (or flags them
for typing).  Column roles set by the reviewer are kept in ``"role_overrides"`` (column → canonical key) and
follow the columns through later edits.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from statistics import median
from typing import Any, Literal

Axis = Literal["col", "row"]
#: op → required argument names (all ints but ``role``: str, ``axis``: "col"/"row")
OPS: dict[str, tuple[str, ...]] = {
    "merge_cols": ("first", "last"),
    "merge_rows": ("first", "last"),
    "split_col": ("col", "at"),
    "split_row": ("row", "at"),
    "false_ruling": ("axis", "index"),
    "column_role": ("col", "role"),
    "grid_ok": (),
}
#: roles a reviewer can give a column besides the table type's own value keys; "none": not part of the records
IDENTITY_ROLES = ("code", "code_lei", "code_kuan", "code_xiang", "name", "none")
#: keys of document.json tables that a table-type recogniser writes (recomputed after a grid edit)
RECOGNISER_KEYS = ("columns", "labels", "header_rows", "blocks", "fuzzy_labels")


class EditError(ValueError):
    """A structure edit that does not fit the table (out of range, a split outside its band)."""


# ------------------------------------------------------------------------------------------- spans


def _span(cell: dict[str, Any], axis: Axis) -> tuple[int, int]:
    """First and last index the cell covers along ``axis``."""
    start = int(cell[axis])
    return start, start + int(cell.get(axis + "span", 1)) - 1


def _set_span(cell: dict[str, Any], axis: Axis, first: int, last: int) -> None:
    cell[axis] = first
    cell[axis + "span"] = last - first + 1


def _size(table: dict[str, Any], axis: Axis) -> int:
    return int(table["n_cols"] if axis == "col" else table["n_rows"])


def _coords(axis: Axis) -> tuple[int, int]:
    """bbox indices of the start and end of a cell along ``axis``."""
    return (0, 2) if axis == "col" else (1, 3)


def band_edges(table: dict[str, Any], axis: Axis) -> list[float]:
    """Page coordinates of the ``n + 1`` rulings along ``axis`` (medians of the cells starting/ending there)."""
    n = _size(table, axis)
    lo, hi = _coords(axis)
    starts: dict[int, list[float]] = {}
    ends: dict[int, list[float]] = {}
    for c in table["cells"]:
        a, b = _span(c, axis)
        starts.setdefault(a, []).append(float(c["bbox"][lo]))
        ends.setdefault(b + 1, []).append(float(c["bbox"][hi]))
    known = {k: median(starts.get(k) or ends[k]) for k in range(n + 1) if starts.get(k) or ends.get(k)}
    edges = []
    for k in range(n + 1):  # a ruling no cell starts or ends at (spans on both sides): between its neighbours
        if k in known:
            edges.append(known[k])
            continue
        lo_k = max((j for j in known if j < k), default=None)
        hi_k = min((j for j in known if j > k), default=None)
        if lo_k is None or hi_k is None:
            edges.append(known[hi_k if lo_k is None else lo_k])
        else:
            edges.append(known[lo_k] + (known[hi_k] - known[lo_k]) * (k - lo_k) / (hi_k - lo_k))
    return edges


# ------------------------------------------------------------------------------------------- merge


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1] and a[2] <= b[3] and b[2] <= a[3]


def _rect(cell: dict[str, Any]) -> tuple[int, int, int, int]:
    r0, r1 = _span(cell, "row")
    c0, c1 = _span(cell, "col")
    return r0, r1, c0, c1


def _groups(cells: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Cells whose (remapped) rectangles overlap, closed under bounding-rectangle growth."""
    groups = [[c] for c in cells]
    rects = [_rect(c) for c in cells]
    changed = True
    while changed:
        changed = False
        i = 0
        while i < len(groups):
            j = i + 1
            while j < len(groups):
                if _overlap(rects[i], rects[j]):
                    groups[i].extend(groups.pop(j))
                    a, b = rects[i], rects.pop(j)
                    rects[i] = (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))
                    changed = True
                else:
                    j += 1
            i += 1
    return groups


def join_cells(parts: Sequence[dict[str, Any]], rect: tuple[int, int, int, int]) -> dict[str, Any]:
    """One cell covering ``rect`` (rows r0..r1, cols c0..c1) made of ``parts``: box union, texts in reading
    order; with two or more texts read by OCR, the result is to be read again."""
    parts = sorted(parts, key=lambda c: (c["row"], c["col"]))
    texted = [c for c in parts if str(c.get("text", "")).strip()]
    base = copy.deepcopy(texted[0] if len(texted) == 1 else parts[0])
    r0, r1, c0, c1 = rect
    _set_span(base, "row", r0, r1)
    _set_span(base, "col", c0, c1)
    boxes = [c["bbox"] for c in parts]
    base["bbox"] = [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                    max(b[3] for b in boxes)]
    if len(texted) > 1:
        base["text"] = "".join(str(c["text"]).strip() for c in texted)
        base["base_text"] = "".join(str(c.get("base_text", c["text"])).strip() for c in texted)
        base["confidence"] = min(float(c.get("confidence", 0.0)) for c in texted)
        base.pop("suggestion", None)
        if any(c.get("source") == "reviewer" for c in texted):
            base["source"] = "reviewer" if all(c.get("source") == "reviewer" for c in texted) else "ocr"
        else:
            base["reread"] = True
        base["flags"] = sorted({f for c in texted for f in c.get("flags", ())} | {"merged"})
    elif len(parts) > 1:
        base["flags"] = sorted({*base.get("flags", ()), "merged"})
    return base


def merge(table: dict[str, Any], axis: Axis, first: int, last: int) -> dict[str, Any]:
    """Bands ``first..last`` along ``axis`` become one band; cells meeting in it are joined."""
    n = _size(table, axis)
    if not 0 <= first < last < n:
        raise EditError(f"cannot merge {axis}s {first}..{last} of a table with {n}")
    width = last - first

    def m(k: int) -> int:
        return k if k <= first else first if k <= last else k - width

    out = copy.deepcopy(table)
    cells = []
    for c in out["cells"]:
        a, b = _span(c, axis)
        _set_span(c, axis, m(a), m(b))
        cells.append(c)
    joined = []
    for g in _groups(cells):
        if len(g) == 1:
            joined.append(g[0])
            continue
        rects = [_rect(c) for c in g]
        rect = (min(r[0] for r in rects), max(r[1] for r in rects), min(r[2] for r in rects),
                max(r[3] for r in rects))
        joined.append(join_cells(g, rect))
    out["cells"] = sorted(joined, key=lambda c: (c["row"], c["col"]))
    out["n_cols" if axis == "col" else "n_rows"] = n - width
    if axis == "col":
        out["role_overrides"] = {str(m(int(k))): v for k, v in (table.get("role_overrides") or {}).items()}
    return out


# ------------------------------------------------------------------------------------------- split


def split(table: dict[str, Any], axis: Axis, index: int, at: float) -> dict[str, Any]:
    """A new ruling at page coordinate ``at`` inside band ``index``: a cell lying in that band alone is cut in
    two (both halves read again), a cell spanning more bands just spans one more."""
    n = _size(table, axis)
    if not 0 <= index < n:
        raise EditError(f"no {axis} {index} in a table with {n}")
    lo, hi = _coords(axis)
    edges = band_edges(table, axis)
    if not edges[index] < at < edges[index + 1]:
        raise EditError(f"the new ruling must lie inside {axis} {index} ({edges[index]:.0f}..{edges[index + 1]:.0f})")
    out = copy.deepcopy(table)
    cells = []
    for c in out["cells"]:
        a, b = _span(c, axis)
        if a > index:
            _set_span(c, axis, a + 1, b + 1)
        elif b >= index and a < b:
            _set_span(c, axis, a, b + 1)
        elif a == index == b:
            second = copy.deepcopy(c)
            c["bbox"][hi] = at
            second["bbox"][lo] = at
            _set_span(second, axis, index + 1, index + 1)
            for half in (c, second):
                if str(half.get("text", "")).strip():
                    half.update(reread=True, text="", confidence=0.0)
                    half.pop("suggestion", None)
                    half["flags"] = sorted({*half.get("flags", ()), "split"})
            cells.append(second)
        cells.append(c)
    out["cells"] = sorted(cells, key=lambda c: (c["row"], c["col"]))
    out["n_cols" if axis == "col" else "n_rows"] = n + 1
    if axis == "col":
        out["role_overrides"] = {str(int(k) + (int(k) > index)): v
                                 for k, v in (table.get("role_overrides") or {}).items()}
    return out


def scale_into(at: float, source: Sequence[float], target: Sequence[float]) -> float:
    """``at`` (a position inside band ``source`` = (start, end)) at the same fraction of band ``target``."""
    width = source[1] - source[0]
    frac = (at - source[0]) / width if width else 0.5
    return target[0] + frac * (target[1] - target[0])


# ------------------------------------------------------------------------------------------- apply


def validate(op: str, args: dict[str, Any], table: dict[str, Any], value_keys: Sequence[str] = ()) -> dict[str, Any]:
    """``args`` of ``op`` checked against ``table`` and normalised (ints, axis, role); raises EditError."""
    if op not in OPS:
        raise EditError(f"unknown structure edit {op!r}; one of {', '.join(OPS)}")
    missing = [k for k in OPS[op] if k not in args]
    if missing:
        raise EditError(f"{op} needs {', '.join(missing)}")
    out: dict[str, Any] = {}
    for k in OPS[op]:
        v = args[k]
        ok = (isinstance(v, str) if k in ("role", "axis")
              else isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) if k == "at"
              else isinstance(v, int) and not isinstance(v, bool))
        if not ok:  # 5.9 for a column is refused, never truncated to 5
            raise EditError(f"{op}: argument {k} has the wrong type")
        out[k] = float(v) if k == "at" else v
    if op == "false_ruling" and out["axis"] not in ("col", "row"):
        raise EditError("axis must be col or row")
    if op == "column_role":
        if not 0 <= out["col"] < int(table["n_cols"]):
            raise EditError(f"no column {out['col']}")
        if out["role"] not in IDENTITY_ROLES and out["role"] not in value_keys:
            raise EditError(f"role must be one of {', '.join([*IDENTITY_ROLES, *value_keys])}")
    apply_edit(table, op, out)  # raises EditError when it does not fit
    return out


def apply_edit(table: dict[str, Any], op: str, args: dict[str, Any]) -> dict[str, Any]:
    """``table`` after one edit (a new dict)."""
    if op == "merge_cols":
        return merge(table, "col", args["first"], args["last"])
    if op == "merge_rows":
        return merge(table, "row", args["first"], args["last"])
    if op == "split_col":
        return split(table, "col", args["col"], args["at"])
    if op == "split_row":
        return split(table, "row", args["row"], args["at"])
    if op == "false_ruling":
        k = args["index"]  # the ruling between bands k-1 and k
        return merge(table, args["axis"], k - 1, k)
    if op == "column_role":
        if not 0 <= args["col"] < int(table["n_cols"]):
            raise EditError(f"no column {args['col']}")
        out = copy.deepcopy(table)
        out["role_overrides"] = {**(table.get("role_overrides") or {}), str(args["col"]): args["role"]}
        return out
    if op == "grid_ok":
        return {**table, "grid_ok": True}
    raise EditError(f"unknown structure edit {op!r}")


def changes_grid(op: str) -> bool:
    return op not in ("column_role", "grid_ok")


def follow_head(op: str, args: dict[str, Any], head: dict[str, Any], part: dict[str, Any]
                ) -> tuple[str, dict[str, Any]] | None:
    """The same column edit for a continuation ``part`` whose columns match its head's (same count): merges by
    index, a split at the same fraction of the column; None when it does not apply."""
    if int(part["n_cols"]) != int(head["n_cols"]):
        return None
    if op == "merge_cols" or (op == "false_ruling" and args["axis"] == "col"):
        return op, args
    if op == "split_col":
        k = args["col"]
        mine, theirs = band_edges(part, "col"), band_edges(head, "col")
        return op, {**args, "at": scale_into(args["at"], theirs[k:k + 2], mine[k:k + 2])}
    return None
