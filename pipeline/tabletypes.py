"""Table-type recognition by title and header semantics: fuzzy, OCR-error tolerant keyword matching.

A :class:`TypeSpec` declares one standard table type: words its title must contain (each with OCR-error
tolerance), words that rule it out (so "收入支出决算总表" is not mistaken for "财政拨款收入支出决算总表"), header words
that support it when the title is missing or unreadable, and the column vocabulary that maps printed column
labels to canonical keys.  :class:`SpecRecognizer` turns a spec into a :class:`~pipeline.interfaces.TableRecognizer`;
the built-in recognisers in ``plugins/recognizers/`` are spec lists, and a third-party package can reuse the
same machinery.  Nothing here depends on page positions or exact strings.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from pipeline.document.headers import header_row_count, norm
from pipeline.document.records import is_identity
from pipeline.interfaces import TableRecognizer
from pipeline.model import RecognizedTable, Table

_COLUMN_NUMBER = re.compile(r"^(\d{1,2}|栏次|行次)$")  # 栏次 labels under the column labels

#: A title word may differ from the printed one by this many edits per this many characters.
EDITS_PER_CHARS = 4


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of two short strings, capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


@functools.lru_cache(maxsize=8192)
def fuzzy_find(hay: str, word: str) -> float:
    """How well ``word`` occurs in ``hay`` (both in :func:`norm` form): 1.0 exact, down to 0.5 at the edit
    tolerance, 0.0 when absent.  Remembered: every table type's spec asks for its words in the same few header
    and title texts (two of three calls on a document are repeats)."""
    if not word:
        return 1.0
    if word in hay:
        return 1.0
    limit = len(word) // EDITS_PER_CHARS
    if limit == 0 or len(hay) < len(word) - limit:
        return 0.0
    best = limit + 1
    n = len(word)
    for size in range(max(1, n - limit), n + limit + 1):
        for i in range(0, max(1, len(hay) - size + 1)):
            d = _edit_distance(hay[i:i + size], word, limit)
            if d < best:
                best = d
                if best == 1:
                    break
    if best > limit:
        return 0.0
    return 1.0 - 0.5 * best / limit


def any_of(hay: str, words: Iterable[str]) -> float:
    return max((fuzzy_find(hay, norm(w)) for w in words), default=0.0)


def header_text(table: Table, max_rows: int = 5) -> str:
    """The :func:`norm` form of the table's header block (the rows above the first data row, at most
    ``max_rows``), concatenated."""
    rows = min(max_rows, max(1, header_row_count(table)))
    cells = sorted((c for c in table.cells if c.row < rows), key=lambda c: (c.row, c.col))
    return norm("".join(c.text for c in cells))


def table_kind(title: str, header: str) -> tuple[str | None, str]:
    """("final" | "budget" | None, where decided: "title" | "header" | "").  决算 wins in titles: final-accounts
    titles contain 预算 too (一般公共预算…决算表), budget titles never contain 决算."""
    t = norm(title)
    if "决算" in t:
        return "final", "title"
    if "预算" in t:
        return "budget", "title"
    if "决算" in header:
        return "final", "header"
    if "预算数" in header:
        return "budget", "header"
    return None, ""


@dataclass(frozen=True, slots=True)
class ColumnRule:
    """Printed column label words (any of) → canonical key.  ``within``: the column's whole label path must also
    contain one of these (e.g. 小计 under 本年支出); ``exclude``: it must contain none of these; ``exact``: the
    label must equal a word (for one-character labels such as 类/款/项)."""

    key: str
    words: tuple[str, ...]
    within: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exact: bool = False

    def match(self, label: str, path: str) -> float:
        score = float(any(label == norm(w) for w in self.words)) if self.exact else any_of(label, self.words)
        if score <= 0:
            return 0.0
        if self.within and any_of(path, self.within) <= 0:
            return 0.0
        if any(_path_form(x) in path for x in self.exclude):
            return 0.0
        return score


def _path_form(text: str) -> str:
    """:func:`norm` of each "/"-separated label (a rule word may name a label boundary: "本年支出/")."""
    return "/".join(norm(p) for p in text.split("/"))


#: Labels of subject-code columns, shared by every coded table type.
CODE_COLUMNS: tuple[ColumnRule, ...] = (
    ColumnRule("code_lei", ("类",), exact=True),
    ColumnRule("code_kuan", ("款",), exact=True),
    ColumnRule("code_xiang", ("项",), exact=True),
    ColumnRule("code", ("科目编码", "科目代码", "编码", "代码")),
    ColumnRule("name", ("科目名称", "名称")),
)
#: Measure labels printed under a column (预算数 | 决算数 blocks): suffixes of the key above them.
MEASURES: tuple[tuple[str, tuple[str, ...]], ...] = ((".budget", ("预算数",)), (".final", ("决算数", "执行数")))


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """Declaration of one standard table type.

    ``title_all``: groups of alternatives; every group must match the title.  ``title_none``: any match rules the
    type out.  ``header_all``/``header_none``: the same on the header block, used to confirm the type and when the
    title is missing.  ``kind``: "final" or "budget" (checked against :func:`table_kind`).  ``columns``: label rules,
    first match wins, most specific first.  ``checks``: names of the within-table arithmetic rules
    (:mod:`pipeline.document.checks.rules`) that hold for this type.
    """

    type: str
    kind: str
    title_all: tuple[tuple[str, ...], ...]
    title_none: tuple[str, ...] = ()
    header_all: tuple[tuple[str, ...], ...] = ()
    header_none: tuple[str, ...] = ()
    columns: tuple[ColumnRule, ...] = ()
    checks: tuple[str, ...] = ()
    measures: bool = False
    anchor: tuple[str, ...] = ()
    description: str = ""

    def excluded(self, title: str) -> bool:
        """A word that rules this type out is in the title (within OCR tolerance)."""
        t = norm(title)
        return bool(t) and any(fuzzy_find(t, norm(w)) > 0 for w in self.title_none)

    def title_score(self, title: str) -> float:
        t = norm(title)
        if not t or self.excluded(title):
            return 0.0
        scores = [any_of(t, group) for group in self.title_all]
        return min(scores) if scores else 0.0

    def header_score(self, header: str) -> float:
        if not self.header_all:
            return 0.0
        if any(norm(w) in header for w in self.header_none):
            return 0.0
        scores = [any_of(header, group) for group in self.header_all]
        return min(scores)

    @property
    def specificity(self) -> int:
        return sum(max(len(norm(w)) for w in g) for g in self.title_all) + len(self.title_none)


#: Score of a type named by the title, before the title's and header's match quality are added.
TITLE_BASE = 0.6
#: Weight of header evidence alone: a table without title, or whose title names no type of this spec.
HEADER_ONLY = 0.7
HEADER_ONLY_WITH_TITLE = 0.55


def score_spec(spec: TypeSpec, table: Table, header: str | None = None) -> float:
    """0..1.  A title that names the type scores 0.75-1.0 (title match quality, header agreement); header
    evidence alone scores at most 0.7, or 0.55 when the table has a title that does not name this type; a kind
    (决算/预算) printed in the title that differs, or a title word that rules the type out, scores 0."""
    header = header_text(table) if header is None else header
    kind, source = table_kind(table.title, header)
    if kind is None and table.notes.document_kind in ("final", "budget"):
        kind, source = str(table.notes.document_kind), "document"
    mismatch = kind is not None and kind != spec.kind
    if (mismatch and source == "title") or spec.excluded(table.title):
        return 0.0
    ts = spec.title_score(table.title)
    hs = spec.header_score(header)
    if ts > 0:
        score = TITLE_BASE + 0.3 * ts + 0.1 * (hs if spec.header_all else ts)
    else:
        score = (HEADER_ONLY_WITH_TITLE if norm(table.title) else HEADER_ONLY) * hs
    # a kind read from header words (预算数 also heads the 资金 block of a final-accounts 绩效自评表) or the
    # document's other tables only weighs against header-only evidence; a title that names the type decides
    if mismatch and ts == 0:
        score *= 0.9 if source == "document" else 0.5
    return score


_SECTION = re.compile(r"^[一二三四五六七八九十]+[、.．]")


def column_paths(table: Table, rows: range) -> dict[int, list[str]]:
    """Printed labels of each column in the label rows ``rows``, top to bottom (spanning cells included, repeats
    and 栏次 numbers dropped)."""
    paths: dict[int, list[str]] = {c: [] for c in range(table.n_cols)}
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        text = cell.text.strip()
        if cell.row not in rows or not text or _COLUMN_NUMBER.match(unicodedata.normalize("NFKC", text)):
            continue
        if cell.colspan >= table.n_cols > 1 and _SECTION.match(unicodedata.normalize("NFKC", text)):
            continue  # "一、政府采购情况" across the table numbers a section of rows, it labels no column
        for col in range(cell.col, cell.col + cell.colspan):
            if not paths[col] or paths[col][-1] != text:
                paths[col].append(text)
    return paths


def split_measure(path: Sequence[str]) -> tuple[list[str], str]:
    """A column's label path without its measure label, and the measure as a key suffix (".budget"/".final").
    The measure is printed either under each item (因公出国（境）费 / 预算数, the bottom label, which may carry more
    words: 年初预算数) or once over a group of items (预算数 / 因公出国（境）费 …, the Ministry of Finance's 三公
    table: a label that is exactly the measure, above the item)."""
    labels = list(path)
    if not labels:
        return labels, ""
    bottom = norm(labels[-1])
    suffix = next((sfx for sfx, words in MEASURES if any_of(bottom, words) == 1.0), "")
    if suffix:
        return labels[:-1], suffix
    for i in range(len(labels) - 2, -1, -1):
        lab = norm(labels[i])
        suffix = next((sfx for sfx, words in MEASURES if lab in {norm(w) for w in words}), "")
        if suffix:
            return labels[:i] + labels[i + 1:], suffix
    return labels, ""


def map_columns(rules: Sequence[ColumnRule], paths: dict[int, list[str]], measures: bool = False
                ) -> dict[int, str]:
    """Canonical key per column from its label path: the lowest label that some rule matches decides (the best
    match, the first rule on ties), its ancestors disambiguate through ``within``.  With ``measures``, the
    预算数/决算数 label (:func:`split_measure`) becomes a suffix of the key.  Adjacent columns under one spanning
    "科目编码" label become 类/款/项 code columns.  Unmatched columns are left out."""
    out: dict[int, str] = {}
    for col, path in paths.items():
        full = "/".join(norm(p) for p in path)
        labels, suffix = split_measure(path) if measures else (list(path), "")
        for label in reversed(labels):
            lab = norm(label)
            best, key = 0.0, None
            for rule in rules:
                score = rule.match(lab, full)
                if score > best:
                    best, key = score, rule.key
            if key is not None:
                out[col] = key + suffix
                break
    return split_code_columns(out)


def split_code_columns(columns: dict[int, str]) -> dict[int, str]:
    """Runs of 2-3 adjacent ``code`` columns are the split 类/款/项 layout."""
    out = dict(columns)
    runs: list[list[int]] = []
    for c in sorted(c for c, k in columns.items() if k == "code"):
        if runs and c == runs[-1][-1] + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    for run in runs:
        if 2 <= len(run) <= 3:
            out.update(zip(run, ("code_lei", "code_kuan", "code_xiang"), strict=False))
    return out


def fuzzy_labels(rules: Sequence[ColumnRule], paths: dict[int, list[str]], columns: dict[int, str],
                 measures: bool = False) -> dict[str, str]:
    """Value key → the printed label that decided it, for the keys whose deciding label matched a rule only
    with OCR tolerance (the same label walk as :func:`map_columns`: lowest label first, a
    measure set aside, :func:`split_measure`)."""
    out: dict[str, str] = {}
    for col, key in sorted(columns.items()):
        if is_identity(key) or key in out:
            continue
        labels = list(paths.get(col, ()))
        full = "/".join(norm(p) for p in labels)
        if measures:
            labels = split_measure(labels)[0]
        for label in reversed(labels):
            best = max((rule.match(norm(label), full) for rule in rules), default=0.0)
            if best > 0:
                if best < 1.0:
                    out[key] = label
                break
    return out


class SpecRecognizer(TableRecognizer):
    """A recogniser for the types in ``specs`` (a class attribute of subclasses): picks the best-scoring spec,
    the most specific one on ties.  ``name`` names the family (one recogniser per family module)."""

    specs: ClassVar[tuple[TypeSpec, ...]] = ()
    name: ClassVar[str] = "spec"

    def spec_for(self, type_id: str) -> TypeSpec | None:
        return next((s for s in self.specs if s.type == type_id), None)

    def check_rules(self, type_id: str) -> tuple[str, ...]:
        spec = self.spec_for(type_id)
        return spec.checks if spec is not None else ()

    def best(self, table: Table) -> tuple[float, TypeSpec | None]:
        header = header_text(table)
        scored = [(score_spec(s, table, header), len(s.header_all), s.specificity, s) for s in self.specs]
        scored = [x for x in scored if x[0] > 0]
        if not scored:
            return 0.0, None
        score, _h, _t, spec = max(scored, key=lambda x: (round(x[0], 3), x[1], x[2]))
        return score, spec

    def score(self, table: Table) -> float:
        return self.best(table)[0]

    def recognize(self, table: Table) -> RecognizedTable:
        score, spec = self.best(table)
        if spec is None:
            return RecognizedTable(type="generic", type_confidence=1.0)
        from pipeline.document.headers import anchor_row

        header_rows: int | None = None
        anchor = anchor_row(table, spec.anchor) if spec.anchor else None
        if anchor is not None:  # the label row inside the table; rows below it are data
            paths = column_paths(table, range(anchor, anchor + 1))
            header_rows = anchor + 1
        else:
            paths = column_paths(table, range(header_row_count(table)))
        labels = tuple((c, " / ".join(p)) for c, p in paths.items() if p)
        columns = map_columns(spec.columns, paths, spec.measures)
        fuzzy = fuzzy_labels(spec.columns, paths, columns, spec.measures)
        # keys named by a label read with OCR tolerance only: their records are no surer than it
        return RecognizedTable(type=spec.type, type_confidence=round(score, 3), columns=columns,
                               header_rows=header_rows, labels=labels,
                               fuzzy_labels=tuple(fuzzy.items()) if fuzzy else None)


def spec_family(name: str, specs: tuple[TypeSpec, ...], module: str
                ) -> tuple[type[SpecRecognizer], Callable[[], list[type[TableRecognizer]]]]:
    """The recogniser class of a family of specs and its ``register_recognizers`` hook implementation, for a
    plugin module to expose: ``Recognizer, register_recognizers = spec_family("income", SPECS, __name__)``
    (the class is named ``Recognizer`` in ``module``, so it pickles)."""
    from pipeline import hookimpl

    cls = type("Recognizer", (SpecRecognizer,), {"name": name, "specs": specs, "__module__": module})

    @hookimpl
    def register_recognizers() -> list[type[TableRecognizer]]:
        return [cls]

    return cls, register_recognizers
