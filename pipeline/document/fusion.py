"""Fusing arithmetic-check outcomes into cell confidence, and balancing-value suggestions.

The OCR confidence of a cell says how clearly it was read; a check says whether the printed numbers agree.
Per cell (every check term with a grid position, empty cells included):

* in an exact passing check and in no failing one: the value is confirmed by arithmetic (an OCR error would have
  to be cancelled by another one): ``1 − (1 − c) · CONFIRMED_DOUBT``;
* only in "rounding" checks: a little more certain: ``1 − (1 − c) · ROUNDING_DOUBT``;
* in a failing check and in no exact passing one: suspect, capped at ``SUSPECT_CAP`` (below any sensible review
  threshold);
* in both: unchanged (its value is confirmed elsewhere; the failure lies with another term);
* a "-"/"——"/"/" reading is never raised: the arithmetic counts it as an empty cell, so it cannot confirm that
  the mark is printed at all (:func:`is_mark`).

Cells read from a PDF's text layer (tables with ``notes.text_source == "text_layer"``) are trusted less
blindly: a cell holding a digit the layer is known to map wrongly (flag ``text-layer-glyph``) is never raised
by a passing check (a systematic substitution such as every "7" read as "1" can balance a sum), and a
failing check on such a page casts doubt on the layer: every number on that page's text-layer tables is
capped at ``LAYER_DOUBT`` (flag ``text-layer-doubt``), passing checks notwithstanding.

For a failing check whose terms are all confirmed elsewhere but one, read with low confidence, the value that
balances the check is proposed for that cell as ``suggestion`` (formatted like the printed numbers); the OCR
text is never changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from pipeline.document.checks.engine import CheckResult, Term
from pipeline.document.notes import CellRef
from pipeline.model import Table

CONFIRMED_DOUBT = 0.05
ROUNDING_DOUBT = 0.5
SUSPECT_CAP = 0.5
LAYER_DOUBT = 0.85  # a number on a text-layer page with a failing check: below the default review threshold
#: A balancing value is proposed only for a cell read with less confidence than this (or read empty), in a table
#: whose grid shows no misplaced cells (a split column makes every balance meaningless).
SUGGEST_BELOW = 0.9


@dataclass(frozen=True, slots=True)
class CellEvidence:
    passed: int = 0
    rounding: int = 0
    failed: int = 0

    def add(self, status: str) -> CellEvidence:
        return CellEvidence(self.passed + (status == "pass"), self.rounding + (status == "rounding"),
                            self.failed + (status == "fail"))


def evidence(checks: Sequence[CheckResult]) -> dict[CellRef, CellEvidence]:
    """Per cell, the statuses of the checks it is a term of; a failing check that :func:`spurious_parts` explains
    counts against those parts only."""
    out: dict[CellRef, CellEvidence] = defaultdict(CellEvidence)
    for chk in checks:
        for t in chk.terms:
            if t.ref is not None:
                out[t.ref] = out[t.ref].add(chk.status)
    confirmed = {ref for ref, e in out.items() if e.passed}
    for chk in checks:
        spurious = spurious_parts(chk, confirmed)
        for t in chk.terms:
            if t.ref is not None and spurious and t not in spurious:
                e = out[t.ref]
                out[t.ref] = CellEvidence(e.passed, e.rounding, e.failed - 1)
    return {ref: e for ref, e in out.items() if e != CellEvidence()}


def spurious_parts(chk: CheckResult, confirmed: set[CellRef]) -> tuple[Term, ...]:
    """The filled parts of a failing sum, confirmed by no passing check, that balance it exactly when read as
    empty: a speck or a stray mark read as a digit in a cell that prints nothing.  The failure lies with them
    alone — not with the total, the confirmed parts or the empty cells (which would all have to be misread so
    as to cancel).  Empty when there are none or they do not balance the sum."""
    if chk.status != "fail" or chk.relation != "eq":
        return ()
    loose = tuple(t for t in chk.parts if t.text and t.ref is not None and t.ref not in confirmed)
    if not loose:
        return ()
    rest = chk.found - sum((t.sign * t.value for t in loose), Decimal(0))
    return loose if rest == chk.expected else ()


def fused_confidence(c: float, ev: CellEvidence) -> float:
    if ev.failed and not ev.passed:
        return min(c, SUSPECT_CAP)
    if ev.failed:
        return c
    if ev.passed:
        return 1 - (1 - c) * CONFIRMED_DOUBT
    if ev.rounding:
        return 1 - (1 - c) * ROUNDING_DOUBT
    return c


def format_like(value: Decimal, examples: Sequence[str]) -> str:
    """``value`` printed with the decimals and thousands separators of ``examples``."""
    decimals = max((len(e.split(".", 1)[1]) for e in examples if "." in e), default=0)
    q = value.quantize(Decimal(1).scaleb(-decimals))
    grouped = any("," in e for e in examples)
    return f"{q:,.{decimals}f}" if grouped else f"{q:.{decimals}f}"


def suggestions(checks: Sequence[CheckResult], ev: dict[CellRef, CellEvidence],
                eligible: Callable[[Term], bool]) -> dict[CellRef, str]:
    """The balancing value for the single unconfirmed term of each failing equality check, when that term is
    ``eligible``; a cell with two different proposals gets none."""
    proposals: dict[CellRef, set[str]] = defaultdict(set)
    for chk in checks:
        if chk.status != "fail" or chk.relation != "eq":
            continue
        open_terms = [t for t in chk.terms if t.ref is not None and not ev.get(t.ref, CellEvidence()).passed]
        if len(open_terms) != 1 or not eligible(open_terms[0]):
            continue
        t = open_terms[0]
        value = _balancing_value(chk, t)
        if value < 0:
            continue
        proposals[t.ref].add(format_like(value, [x.text for x in chk.terms if x.text]))  # type: ignore[index]
    return {ref: next(iter(vals)) for ref, vals in proposals.items() if len(vals) == 1}


def _balancing_value(chk: CheckResult, t: Term) -> Decimal:
    if t is chk.total:
        return chk.found
    # parts: total = Σ s·p  →  p_t' = p_t + s·(total − found)
    return t.value + t.sign * (chk.expected - chk.found)


def is_number(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def is_mark(text: str) -> bool:
    """A not-applicable mark: "-", "——", "/".  A check counts it exactly as an empty cell, so a passing check
    confirms that nothing is there to add — not that the mark is printed: a dust speck or a piece of a ruling line
    read as "-" passes as well as the real dash.  Such a cell is not raised (a "0" is: noise does not draw one)."""
    from pipeline.document.numbers import parse_value

    return bool(text.strip()) and parse_value(text)[0] == "na"


def doubted_layer_pages(tables: Sequence[Table], checks: Sequence[CheckResult]) -> set[int]:
    """Pages with a failing check that has a term in a table read from the page's text layer."""
    layer = {t.id: t.page for t in tables if t.notes.text_source == "text_layer"}
    return {layer[t.ref[0]] for chk in checks if chk.status == "fail" for t in chk.terms
            if t.ref is not None and t.ref[0] in layer}


def fuse(tables: Sequence[Table], checks: Sequence[CheckResult], suspects: Iterable[CellRef] = ()) -> list[Table]:
    """Tables with check-aware cell confidences (the reading's own kept as ``ocr_confidence`` when changed; flag
    ``check:pass`` or ``check:fail``) and a cell's ``suggestion`` set where a failing check proposes a value.  Cells in
    ``suspects`` (misplaced by the grid, see :attr:`pipeline.document.records.Row.suspects`) are capped at
    ``SUSPECT_CAP`` and flagged ``structure`` whatever the checks say."""
    ev = evidence(checks)
    doubted = doubted_layer_pages(tables, checks)
    misplaced = set(suspects)
    unsound = {ref[0] for ref in misplaced}
    sugg = suggestions(checks, ev, lambda t: (t.confidence < SUGGEST_BELOW or not t.text) and t.ref is not None
                       and t.ref[0] not in unsound)
    out = []
    for t in tables:
        cells = []
        for c in t.cells:
            ref = CellRef(t.id, c.row, c.col)
            e = ev.get(ref)
            doubt = t.page in doubted and t.notes.text_source == "text_layer" and is_number(c.text)
            if e is None and ref not in misplaced and not doubt:
                cells.append(c)
                continue
            conf = c.confidence if e is None else fused_confidence(c.confidence, e)
            flags = list(c.flags)
            if e is not None:
                flags.append("check:fail" if e.failed and not e.passed else "check:pass")
            if "text-layer-glyph" in c.flags:  # a wrong glyph mapping is not cancelled by arithmetic
                conf = min(conf, c.confidence)
            if is_mark(c.text):  # arithmetic cannot tell a "-" from an empty cell
                conf = min(conf, c.confidence)
            if doubt:
                conf = min(conf, LAYER_DOUBT)
                flags.append("text-layer-doubt")
            if ref in misplaced:
                conf = min(conf, c.confidence, SUSPECT_CAP)
                flags.append("structure")
            cells.append(replace(c, confidence=conf, flags=tuple(flags), suggestion=sugg.get(ref),
                                 ocr_confidence=c.confidence if conf != c.confidence else None))
        out.append(replace(t, cells=tuple(cells)))
    return out
