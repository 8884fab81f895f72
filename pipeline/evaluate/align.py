"""Similarity of rows, columns and tables, their order-preserving alignment, table matching and the ICDAR
adjacency relations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise

from pipeline.evaluate.grid import MIN_TABLE_SIM, Bag, Grid, Mapping1D

# ----------------------------------------------------------------------------- similarity and alignment


def make_bag(texts: Iterable[str]) -> Bag:
    words = Counter(t for t in texts if t)
    chars: Counter[str] = Counter()
    for text, n in words.items():
        for ch in text:
            chars[ch] += n
    return words, chars


def dice(a: Counter[str], b: Counter[str]) -> float:
    total = a.total() + b.total()
    return 2.0 * (a & b).total() / total if total else 0.0


def bag_similarity(a: Bag, b: Bag) -> float:
    """Mean of the Dice coefficients of the cell-text bags and of the character bags."""
    return 0.5 * dice(a[0], b[0]) + 0.5 * dice(a[1], b[1])


def row_bags(g: Grid) -> list[Bag]:
    return [make_bag(g.text_at(r, k) for k in range(g.n_cols)) for r in range(g.n_rows)]


def col_bags(g: Grid) -> list[Bag]:
    return [make_bag(g.text_at(r, k) for r in range(g.n_rows)) for k in range(g.n_cols)]


def table_similarity(g: Grid, p: Grid) -> float:
    a, b = make_bag(c.norm for c in g.cells), make_bag(c.norm for c in p.cells)
    if a[0] or b[0]:
        return bag_similarity(a, b)
    # two tables without any text (e.g. an empty continuation row): compare shapes
    shape = (min(g.n_rows, p.n_rows) / max(1, g.n_rows, p.n_rows)
             * min(g.n_cols, p.n_cols) / max(1, g.n_cols, p.n_cols))
    return MIN_TABLE_SIM + (1 - MIN_TABLE_SIM) * shape


def monotonic_alignment(sim: Sequence[Sequence[float]]) -> Mapping1D:
    """Order-preserving alignment maximising total similarity (Needleman-Wunsch without gap cost).
    Returns, for each row of ``sim``, the aligned column or None."""
    n, m = len(sim), len(sim[0]) if sim else 0
    dp = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            dp[i][j] = max(dp[i - 1][j - 1] + sim[i - 1][j - 1], dp[i - 1][j], dp[i][j - 1])
    out: list[int | None] = [None] * n
    i, j = n, m
    while i and j:
        if sim[i - 1][j - 1] > 0 and dp[i][j] == dp[i - 1][j - 1] + sim[i - 1][j - 1]:
            out[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif dp[i][j] == dp[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return tuple(out)


def fill_gaps(a: Mapping1D, m: int) -> Mapping1D:
    """Pair unaligned truth and predicted indices in order wherever the run between two aligned neighbours
    (or an end) holds as many of each, e.g. a row left empty by the prediction but not in the truth."""
    out = list(a)
    anchors = [(-1, -1), *((i, j) for i, j in enumerate(a) if j is not None), (len(a), m)]
    for (i0, j0), (i1, j1) in pairwise(anchors):
        if i1 - i0 == j1 - j0 > 1:
            out[i0 + 1:i1] = range(j0 + 1, j1)
    return tuple(out)


def align_bags(truth: Sequence[Bag], pred: Sequence[Bag]) -> Mapping1D:
    """Truth index -> predicted index of rows (or columns), by text-bag similarity."""
    return fill_gaps(monotonic_alignment([[bag_similarity(a, b) for b in pred] for a in truth]), len(pred))


def assign(sim: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """Maximum-similarity one-to-one assignment: Hungarian when scipy is there, else greedy."""
    if not sim or not sim[0]:
        return []
    try:
        from scipy.optimize import linear_sum_assignment
    except ImportError:
        pairs: list[tuple[int, int]] = []
        cells = [(i, j) for i in range(len(sim)) for j in range(len(sim[0]))]
        for i, j in sorted(cells, key=lambda x: -sim[x[0]][x[1]]):
            if all(i != a and j != b for a, b in pairs):
                pairs.append((i, j))
        return pairs
    rows, cols = linear_sum_assignment([[-s for s in r] for r in sim])
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True)]


def match_tables(truth: Sequence[Grid], pred: Sequence[Grid]) -> list[tuple[int, int, float]]:
    """One-to-one (truth index, predicted index, similarity) pairs, page by page."""
    out = []
    for page in sorted({t.page for t in truth}):
        gi = [i for i, t in enumerate(truth) if t.page == page]
        pi = [j for j, p in enumerate(pred) if p.page == page]
        sim = [[table_similarity(truth[i], pred[j]) for j in pi] for i in gi]
        out += [(gi[a], pi[b], sim[a][b]) for a, b in assign(sim) if sim[a][b] >= MIN_TABLE_SIM]
    return sorted(out)


# ----------------------------------------------------------------------------- adjacency


def adjacency(g: Grid) -> Counter[tuple[str, str, str]]:
    """ICDAR 2013 relations: each non-empty cell with its nearest non-empty neighbour right ("H") and below
    ("V"), looked up along every row/column the cell spans (each neighbour counted once)."""
    rels: Counter[tuple[str, str, str]] = Counter()
    for i, c in enumerate(g.cells):
        if not c.norm:
            continue
        for direction, lanes in (("H", c.rows), ("V", c.cols)):
            seen: set[int] = set()
            for lane in lanes:
                j = _next_filled(g, i, lane, direction)
                if j is not None and j not in seen:
                    seen.add(j)
                    rels[(c.norm, g.cells[j].norm, direction)] += 1
    return rels


def _next_filled(g: Grid, i: int, lane: int, direction: str) -> int | None:
    c = g.cells[i]
    start, stop = (c.col + c.colspan, g.n_cols) if direction == "H" else (c.row + c.rowspan, g.n_rows)
    for k in range(start, stop):
        j = g.pos.get((lane, k) if direction == "H" else (k, lane))
        if j is not None and j != i and g.cells[j].norm:
            return j
    return None
