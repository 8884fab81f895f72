"""``report.html``: one self-contained page per document that opens from disk with no server and no network
(inline CSS, page images as data: URIs, a Content-Security-Policy that forbids any request): the counts, the
page thumbnails with the detected grids drawn on them, per-page timings and warnings, the arithmetic checks,
and every table as printed with the flagged cells highlighted and their reasons listed under it."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.files import atomic_write_text
from pipeline.outputs.cells import (
    amount_of,
    cell_reasons,
    cell_refs,
    checks_by_cell,
    document_checks,
    document_counts,
    is_flagged,
    table_columns,
)

if TYPE_CHECKING:
    from pipeline.plugin_manager import PluginManager

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
CSS = """
body{font:14px/1.45 system-ui,"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:0 auto;max-width:1280px;
padding:0 16px 48px;color:#1f2328}
h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de}
h3{font-size:15px;margin:22px 0 4px}.meta{color:#57606a;font-size:12px}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0}.counts div{border:1px solid #d0d7de;border-radius:6px;
padding:6px 10px}.counts b{display:block;font-size:18px}
table{border-collapse:collapse}td,th{border:1px solid #8c959f;padding:2px 6px;vertical-align:top}
th{background:#eaeef2;text-align:left}table.grid td.num{text-align:right;font-variant-numeric:tabular-nums}
td.flag{background:#fff2cc}td.fail{background:#f8cbad}td.reviewed{background:#e2efda}
td sup{color:#9a6700;font-size:10px;margin-left:2px}ol.reasons{font-size:12px;color:#57606a;margin:6px 0}
.pages{display:flex;flex-wrap:wrap;gap:12px}.pages figure{margin:0;border:1px solid #d0d7de;padding:4px}
.pages img{display:block;max-width:360px;height:auto}figcaption{font-size:12px;color:#57606a}
tr.fail td{background:#f8cbad}.warn{color:#9a6700}.err{color:#cf222e}nav a{margin-right:10px}
"""


def write_report(path: Path, document: dict[str, Any], name: str, pm: PluginManager | None = None,
                 source_roots: Iterable[Path] = ()) -> Path:
    atomic_write_text(path, report_html(document, name, pm=pm, source_roots=(*source_roots, path.parent,
                                                                              path.parent.parent)))
    return path


def report_html(document: dict[str, Any], name: str, pm: PluginManager | None = None,
                source_roots: Iterable[Path] = (), images: bool = True) -> str:
    from pipeline.outputs.thumbs import ORANGE, RED, thumbnails

    checks = document_checks(document)
    failing = checks_by_cell(checks)
    threshold = float(document.get("review_threshold", 0.9))
    marks = {}
    for t in document.get("tables", []):
        for c in t.get("cells", []):
            key = (t["id"], c["row"], c["col"])
            if is_flagged(c, failing.get(key, [])):
                marks[key] = RED if key in failing else ORANGE
    thumbs, note = thumbnails(document, marks, pm=pm, roots=source_roots) if images else ({}, "")
    title = f"{name}{' (reviewed)' if document.get('reviewed') else ''} — fiscalscan report"
    parts = [
        "<!doctype html>", '<html lang="zh"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(name)}{' <small>(reviewed)</small>' if document.get('reviewed') else ''}</h1>",
        _meta(document),
        _counts(document),
        '<nav><a href="#pages">pages</a><a href="#checks">checks</a><a href="#tables">tables</a></nav>',
        _pages(document, thumbs, note),
        _checks(checks),
        _tables(document, failing, threshold),
        "</body></html>\n",
    ]
    return "\n".join(parts)


def _meta(document: dict[str, Any]) -> str:
    source = document.get("source") or {}
    gen = document.get("generator") or {}
    ocr = (gen.get("ocr") or {}).get("engine", "")
    return (f'<p class="meta">source <code>{escape(str(source.get("path", "")))}</code> · sha256 '
            f'<code>{escape(str(source.get("sha256", ""))[:16])}…</code> · {escape(str(gen.get("name", "")))} '
            f'{escape(str(gen.get("version", "")))}{" · OCR " + escape(str(ocr)) if ocr else ""} · cells below '
            f'confidence {float(document.get("review_threshold", 0.9)):g} need review</p>')


def _counts(document: dict[str, Any]) -> str:
    n = document_counts(document)
    items = [("pages", n["pages"]), ("tables", n["tables"]), ("cells", n["cells"]),
             ("cells to review", n["review_cells"]), ("records", n["records"]), ("checks passed", n["checks_pass"]),
             ("within rounding", n["checks_rounding"]), ("checks failed", n["checks_fail"])]
    if n["page_errors"]:
        items.insert(1, ("pages failed", n["page_errors"]))
    return '<div class="counts" id="counts">' + "".join(
        f'<div data-count="{escape(k)}"><b>{v}</b>{escape(k)}</div>' for k, v in items) + "</div>"


def _pages(document: dict[str, Any], thumbs: dict[int, bytes], note: str) -> str:
    rows, figures, warnings = [], [], []
    for p in document.get("pages", []):
        number = int(p.get("page", 0))
        err = p.get("error")
        status = escape(str(p.get("status", "ok")))
        rows.append(f'<tr id="page-row-{number}"><td>{number}</td><td class="{"err" if err else ""}">{status}</td>'
                    f'<td>{escape(str(p.get("source", "")))}</td><td>{p.get("tables", 0)}</td>'
                    f'<td>{float(p.get("seconds") or 0):.2f}</td><td>{p.get("rotation", 0)}</td>'
                    f'<td>{float(p.get("skew") or 0):.2f}</td><td>{escape(str(err or ""))}</td></tr>')
        if err:
            warnings.append(f'<li class="err">page {number}: {escape(str(err))}</li>')
        if number in thumbs:
            uri = "data:image/jpeg;base64," + base64.b64encode(thumbs[number]).decode("ascii")
            figures.append(f'<figure id="page-{number}"><img src="{uri}" alt="page {number}" loading="lazy">'
                           f'<figcaption>page {number} · {p.get("tables", 0)} table(s) · '
                           f'{float(p.get("seconds") or 0):.2f} s</figcaption></figure>')
    notes: dict[str, int] = {}
    for t in document.get("tables", []):
        for c in t.get("cells", []):
            for f in c.get("flags") or ():
                if not f.startswith("check:"):
                    notes[f] = notes.get(f, 0) + 1
    warnings += [f'<li class="warn">{n} cell(s) noted {escape(f)}</li>' for f, n in sorted(notes.items())]
    for s in document.get("stale_corrections") or []:
        warnings.append(f'<li class="warn">stale correction not applied: {escape(str(s.get("table")))} '
                        f'r{s.get("row")} c{s.get("col")} → {escape(str(s.get("new_text")))}</li>')
    if note:
        warnings.append(f'<li class="warn">{escape(note)}</li>')
    total = sum(float(p.get("seconds") or 0) for p in document.get("pages", []))
    head = ("<tr><th>page</th><th>status</th><th>read from</th><th>tables</th><th>seconds</th><th>rotation</th>"
            "<th>skew °</th><th>error</th></tr>")
    return ('<section id="pages"><h2>Pages</h2>'
            + (f'<div class="pages">{"".join(figures)}</div>' if figures else "")
            + f'<h3>Timings</h3><p class="meta">{total:.1f} s over {len(rows)} page(s)</p>'
            + f"<table>{head}{''.join(rows)}</table>"
            + '<h3 id="warnings">Warnings</h3>'
            + (f"<ul>{''.join(warnings)}</ul>" if warnings else "<p>none</p>") + "</section>")


def _checks(checks: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for c in checks:
        counts[str(c.get("status"))] = counts.get(str(c.get("status")), 0) + 1
    shown = [c for c in checks if c.get("status") != "pass"]
    rows = []
    for c in shown:
        cells = ", ".join(f"{t} r{r} c{col}" for t, r, col in cell_refs(c))
        cls = "fail" if c.get("status") == "fail" else ""
        rows.append(f'<tr class="{cls}"><td>{escape(str(c.get("rule", "")))}</td>'
                    f'<td>{escape(str(c.get("table", "")))}</td><td>{escape(cells)}</td>'
                    f'<td>{escape(str(c.get("expected", "")))}</td><td>{escape(str(c.get("found", "")))}</td>'
                    f'<td>{escape(str(c.get("difference", "")))}</td><td>{escape(str(c.get("status", "")))}</td></tr>')
    summary = ", ".join(f"{n} {escape(s)}" for s, n in sorted(counts.items())) or "no checks"
    table = ("<table><tr><th>rule</th><th>table</th><th>cells</th><th>expected</th><th>found</th>"
             f"<th>difference</th><th>status</th></tr>{''.join(rows)}</table>") if rows else ""
    return (f'<section id="checks"><h2>Checks</h2><p>{summary}; passing checks are listed in the workbook and '
            f"document.json.</p>{table}</section>")


def _tables(document: dict[str, Any], failing: dict[Any, list[dict[str, Any]]], threshold: float) -> str:
    out = ['<section id="tables"><h2>Tables</h2>']
    columns = table_columns(document)
    for t in document.get("tables", []):
        out.append(_table(t, columns[str(t["id"])], failing, threshold))
    out.append("</section>")
    return "\n".join(out)


def _table(t: dict[str, Any], columns: dict[int, str], failing: dict[Any, list[dict[str, Any]]],
           threshold: float) -> str:
    tid = str(t["id"])
    covered: set[tuple[int, int]] = set()
    by_pos = {(int(c["row"]), int(c["col"])): c for c in t.get("cells", [])}
    reasons_list: list[str] = []
    rows = []
    for r in range(int(t.get("n_rows", 0))):
        tds = []
        for col in range(int(t.get("n_cols", 0))):
            if (r, col) in covered:
                continue
            cell = by_pos.get((r, col))
            if cell is None:
                tds.append("<td></td>")
                continue
            rs, cs = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
            covered.update((rr, cc) for rr in range(r, r + rs) for cc in range(col, col + cs))
            text = str(cell.get("text", ""))
            fails = failing.get((tid, r, col), [])
            classes = ["num"] if amount_of(text, columns.get(col, "")) is not None else []
            attrs = f' data-row="{r}" data-col="{col}"'
            sup = ""
            if cell.get("source") == "reviewer":
                classes.append("reviewed")
            if is_flagged(cell, fails):
                classes.append("fail" if fails else "flag")
                reasons = cell_reasons(cell, threshold, fails)
                reasons_list.append(f'<li id="why-{escape(tid)}-{r}-{col}">r{r} c{col} “{escape(text)}”: '
                                    + escape("; ".join(reasons)) + "</li>")
                sup = f"<sup>{len(reasons_list)}</sup>"
                attrs += f' title="{escape(" | ".join(reasons))}"'
            span = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            cls = f' class="{" ".join(classes)}"' if classes else ""
            tds.append(f"<td{span}{cls}{attrs}>{escape(text)}{sup}</td>")
        rows.append(f"<tr>{''.join(tds)}</tr>")
    unit = t.get("unit")
    meta = " · ".join(x for x in (f"page {t.get('page')}", f"type {t.get('type', 'generic')}",
                                  f"单位：{unit}" if unit else "", "continues the previous table"
                                  if t.get("continued") else "", f"{t.get('n_rows')}×{t.get('n_cols')}") if x)
    reasons_html = f'<ol class="reasons">{"".join(reasons_list)}</ol>' if reasons_list else ""
    return (f'<h3 id="t-{escape(tid)}">{escape(tid)} {escape(str(t.get("title") or "(untitled)"))}</h3>'
            f'<p class="meta">{escape(meta)}</p><table class="grid" data-table="{escape(tid)}">{"".join(rows)}'
            f"</table>{reasons_html}")
