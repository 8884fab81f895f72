"""The generalisation probe's tables (``samples/make_variants.py``: every standard 部门预算/决算 family, untyped
tables, all caption layouts) on truth cells: each is typed as the family it is — by its printed title, or by its
header alone when no title is printed — and every amount it prints comes out as a record, typed or not."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import PipelineConfig
from pipeline.document.analysis import analyse
from pipeline.document.notes import TableNotes
from pipeline.model import BBox, Cell, Table
from pipeline.plugin_manager import PluginManager
from pipeline.runner import recognise

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "samples"))
import make_variants as mv

AMOUNT = re.compile(r"^-?[0-9][0-9,]*\.[0-9]{2}$")
VARIANTS = mv.variants(serif=True)


def as_table(v: mv.Variant, truth: dict[str, Any]) -> Table:
    box = BBox(0, 0, 1, 1)
    cells = tuple(Cell(row=c["row"], col=c["col"], rowspan=c["rowspan"], colspan=c["colspan"], text=c["text"],
                       confidence=1.0, bbox=box) for c in truth["cells"])
    # a title-less table stands among the document's other tables, which say 预算 or 决算
    notes = TableNotes(document_kind=v.family.kind) if v.layout == "code-only" and v.family.kind else TableNotes()
    return Table(id=truth["id"], page=1, bbox=box, n_rows=truth["n_rows"], n_cols=truth["n_cols"], cells=cells,
                 title=truth["title"], title_confidence=1.0, continued=truth["continued"], notes=notes)


def test_the_probe_covers_every_family_and_layout() -> None:
    assert {v.family.key for v in VARIANTS} == {f.key for f in mv.FAMILIES}
    assert {v.layout for v in VARIANTS} == {*mv.LAYOUTS, "code-only"}
    assert {v.dpi for v in VARIANTS} == {150, 200, 300}


@pytest.mark.parametrize("v", VARIANTS, ids=lambda v: v.id)
def test_typed_as_its_family_with_a_record_for_every_amount(v: mv.Variant, pm: PluginManager) -> None:
    spec = mv.family_table(v.family, 1, 1)
    truth = mv.truth_table(v, spec)
    recognizers = pm.recognizers()
    (table,) = recognise([as_table(v, truth)], recognizers)
    assert table.type == v.family.type
    result = analyse(v.id, [table], recognizers, pm, PipelineConfig(), fusion=False)
    printed = sorted(c["text"].replace(",", "") for c in truth["cells"] if AMOUNT.match(c["text"]))
    values = sorted(str(r.value) for r in result.records if r.value not in (None, ""))
    missing = [a for a in printed if a not in values]
    assert not missing, f"amounts without a record: {missing[:5]}"
