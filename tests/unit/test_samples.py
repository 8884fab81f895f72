"""The committed samples: valid truth grids, figures that add up, and a generator that reproduces them."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MAX_BYTES = 1_500_000
CELL_KEYS = {"row", "col", "rowspan", "colspan", "text"}
AMOUNT = re.compile(r"^\d{1,3}(?:,\d{3})*\.\d{2}$")
TOP_LEVEL = re.compile(r"^[一二三四五六七八九十]、")
SUB_LEVEL = re.compile(r"^（[一二三四五六七八九十]）")

Pos = tuple[int, int]


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


MANIFEST = load_json(SAMPLES / "manifest.json")
DOCS = {d["id"]: d for d in MANIFEST["documents"]}


def truth_path(doc_id: str) -> Path:
    return SAMPLES / doc_id / DOCS[doc_id]["truth"]


def truth(doc_id: str) -> dict[str, Any]:
    return load_json(truth_path(doc_id))


def all_tables() -> Iterator[tuple[str, dict[str, Any]]]:
    for doc_id in DOCS:
        for t in truth(doc_id)["tables"]:
            yield doc_id, t


TABLES = list(all_tables())
TABLE_IDS = [f"{doc_id}-{t['id']}" for doc_id, t in TABLES]


def coverage(table: dict[str, Any]) -> dict[Pos, list[int]]:
    """Grid position -> indices of the cells covering it."""
    cov: dict[Pos, list[int]] = {}
    for i, c in enumerate(table["cells"]):
        for r in range(c["row"], c["row"] + c["rowspan"]):
            for k in range(c["col"], c["col"] + c["colspan"]):
                cov.setdefault((r, k), []).append(i)
    return cov


def grid(table: dict[str, Any]) -> dict[Pos, dict[str, Any]]:
    """Grid position -> the one cell covering it."""
    return {pos: table["cells"][ix[0]] for pos, ix in coverage(table).items()}


def hundredths(text: str) -> int:
    """Printed amount -> integer hundredths; an empty cell is zero."""
    if not text:
        return 0
    assert AMOUNT.match(text), f"not an amount as printed: {text!r}"
    return int(text.replace(",", "").replace(".", ""))


def load_generator() -> ModuleType:
    name = "fiscalscan_make_samples"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SAMPLES / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- layout and files
def test_manifest_lists_both_documents_in_score_py_layout() -> None:
    assert MANIFEST["version"] == 1
    assert set(DOCS) == {"demo-final-2024", "demo-budget-2025"}
    for doc_id, d in DOCS.items():
        assert d["kind"] in ("final_accounts", "budget")
        folder = SAMPLES / doc_id  # score.py: <corpus>/<id>/<truth>
        assert (folder / d["scan"]).is_file()
        assert truth_path(doc_id).is_file()
        assert truth(doc_id)["document"] == doc_id


@pytest.mark.parametrize("doc_id", sorted(DOCS))
def test_sample_files_are_small(doc_id: str) -> None:
    for path in (SAMPLES / doc_id).iterdir():
        assert path.stat().st_size < MAX_BYTES, path


def test_final_accounts_pdf_is_image_only_a4() -> None:
    pdf = pdfium.PdfDocument(SAMPLES / "demo-final-2024" / DOCS["demo-final-2024"]["scan"])
    try:
        assert len(pdf) == 3
        for page in pdf:
            w, h = page.get_size()
            assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2  # A4 in points
            assert page.get_textpage().count_chars() == 0
            assert [o.type for o in page.get_objects()] == [pdfium.raw.FPDF_PAGEOBJ_IMAGE]
    finally:
        pdf.close()


def test_budget_png_is_a4_at_150_dpi() -> None:
    with Image.open(SAMPLES / "demo-budget-2025" / DOCS["demo-budget-2025"]["scan"]) as im:
        assert im.size == (1240, 1754)
        assert round(im.info["dpi"][0]) == 150


# ----------------------------------------------------------------------------- truth grids
@pytest.mark.parametrize("doc_id", sorted(DOCS))
def test_truth_tables_are_well_formed(doc_id: str) -> None:
    tables = truth(doc_id)["tables"]
    assert tables
    for t in tables:
        assert re.fullmatch(r"p(\d{3})-t\d+", t["id"]) and int(t["id"][1:4]) == t["page"] >= 1
        assert isinstance(t["continued"], bool) and isinstance(t["title"], str)
        for c in t["cells"]:
            assert set(c) == CELL_KEYS
            assert c["rowspan"] >= 1 and c["colspan"] >= 1
            assert c["text"] == c["text"].strip() and "\n" not in c["text"]


@pytest.mark.parametrize(("doc_id", "table"), TABLES, ids=TABLE_IDS)
def test_every_grid_position_is_covered_exactly_once(doc_id: str, table: dict[str, Any]) -> None:
    cov = coverage(table)
    expected = {(r, k) for r in range(table["n_rows"]) for k in range(table["n_cols"])}
    assert set(cov) == expected, f"{doc_id} {table['id']}: cells outside or missing from the grid"
    doubles = {pos: ix for pos, ix in cov.items() if len(ix) > 1}
    assert not doubles, f"{doc_id} {table['id']}: positions covered twice: {doubles}"


@pytest.mark.parametrize(("doc_id", "table"), TABLES, ids=TABLE_IDS)
def test_every_grid_line_is_drawn_somewhere(doc_id: str, table: dict[str, Any]) -> None:
    """The grid is defined by the ruling lines: each row/column boundary separates two cells somewhere."""
    g = grid(table)
    n_rows, n_cols = table["n_rows"], table["n_cols"]
    for k in range(1, n_cols):
        assert any(g[(r, k - 1)] is not g[(r, k)] for r in range(n_rows)), f"no rule between cols {k - 1}/{k}"
    for r in range(1, n_rows):
        assert any(g[(r - 1, k)] is not g[(r, k)] for k in range(n_cols)), f"no rule between rows {r - 1}/{r}"


# ----------------------------------------------------------------------------- figures
def expense_rows() -> tuple[dict[str, int], dict[str, dict[str, int]], list[str]]:
    """The 合计 row and the 类/款/项 rows (by code, in printed order) of 支出决算表, pages 2 and 3."""
    total: dict[str, int] = {}
    rows: dict[str, dict[str, int]] = {}
    order: list[str] = []
    for t in truth("demo-final-2024")["tables"]:
        g = grid(t)
        heads = {g[(0, k)]["text"]: k for k in range(t["n_cols"])}
        amount_heads = {h: k for h, k in heads.items() if h != "项目"}
        for r in range(t["n_rows"]):
            code = "".join(g[(r, k)]["text"] for k in range(3))
            if g[(r, 0)]["text"] == "合计":
                total = {h: hundredths(g[(r, k)]["text"]) for h, k in amount_heads.items()}
            elif re.fullmatch(r"\d{3}(\d{2}){0,2}", code):
                assert code not in rows, f"{code} printed twice"
                rows[code] = {h: hundredths(g[(r, k)]["text"]) for h, k in amount_heads.items()}
                order.append(code)
    return total, rows, order


def test_final_accounts_figures_add_up() -> None:
    total, rows, order = expense_rows()
    assert total and len(rows) == 22
    for code, v in [("合计", total), *rows.items()]:
        assert v["本年支出合计"] == v["基本支出"] + v["项目支出"], code
    cols = list(total)
    for col in cols:
        assert total[col] == sum(v[col] for c, v in rows.items() if len(c) == 3), f"合计 {col}"
    for code, v in rows.items():
        members = [m for m in rows if len(m) == len(code) + 2 and m.startswith(code)]
        if len(code) < 7:
            assert members, f"{code} has no members"
            for col in cols:
                assert v[col] == sum(rows[m][col] for m in members), f"{code} {col}"
        else:
            assert code[:5] in rows and code[:3] in rows
        assert all(order.index(m) > order.index(code) for m in members)


def budget_sides() -> list[list[tuple[str, int]]]:
    """(label, amount) lines of the 收入 side and of the 支出 side, below the two header rows."""
    (t,) = truth("demo-budget-2025")["tables"]
    g = grid(t)
    sides = []
    for label_col in (0, 2):
        sides.append(
            [
                (g[(r, label_col)]["text"], hundredths(g[(r, label_col + 1)]["text"]))
                for r in range(2, t["n_rows"])
            ]
        )
    return sides


def check_side(lines: list[tuple[str, int]]) -> int:
    """Each top-level line = Σ its （x） lines; the 总计 line = Σ top-level lines; returns the 总计."""
    tops: list[tuple[str, int, list[int]]] = []  # label, amount, amounts of its （x） lines
    grand = None
    for label, amount in lines:
        if TOP_LEVEL.match(label):
            tops.append((label, amount, []))
        elif SUB_LEVEL.match(label):
            tops[-1][2].append(amount)
        elif label.endswith("总计"):
            grand = amount
        else:
            assert (label, amount) == ("", 0), f"unexpected line {label!r}"
    for label, amount, subs in tops:
        assert not subs or amount == sum(subs), label
    assert grand is not None and grand == sum(a for _, a, _ in tops)
    return grand


def test_budget_figures_add_up() -> None:
    income, spending = budget_sides()
    assert check_side(income) == check_side(spending) > 0


# ----------------------------------------------------------------------------- regeneration
def test_truth_builder_reproduces_committed_truth() -> None:
    """Truth depends on the figures only (no font), so this runs everywhere."""
    gen = load_generator()
    for doc_id, doc in gen.build_truths().items():
        assert gen.dumps_truth(doc) == truth_path(doc_id).read_text(encoding="utf-8"), doc_id
    assert gen.manifest() == MANIFEST


def test_generator_run_reproduces_committed_truth(tmp_path: Path) -> None:
    gen = load_generator()
    if gen.find_cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei, or set FISCALSCAN_CJK_FONT)")
    assert gen.main(["--out", str(tmp_path)]) == 0
    assert (tmp_path / "manifest.json").read_bytes() == (SAMPLES / "manifest.json").read_bytes()
    for doc_id, d in DOCS.items():
        assert (tmp_path / doc_id / d["truth"]).read_bytes() == truth_path(doc_id).read_bytes(), doc_id
        scan = tmp_path / doc_id / d["scan"]
        assert 0 < scan.stat().st_size < MAX_BYTES
