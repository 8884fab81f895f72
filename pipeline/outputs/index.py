"""``index.html`` of an output folder: one row per document folder (holding document.json) with its counts and
links to its report, workbook, records and data package (the reviewed ones too, when exported), plus totals.
Self-contained like the reports; links are relative, so the folder can be moved or zipped."""

from __future__ import annotations

import json
import logging
from html import escape
from pathlib import Path
from urllib.parse import quote

from pipeline.files import atomic_write_text
from pipeline.outputs import datapackage_name, report_name, workbook_name
from pipeline.outputs.cells import document_counts
from pipeline.outputs.report import CSP, CSS

log = logging.getLogger(__name__)
INDEX = "index.html"
COUNT_KEYS = ("pages", "tables", "cells", "review_cells", "checks_fail")


def document_rows(out_root: Path) -> list[tuple[str, dict[str, int], list[tuple[str, str]]]]:
    """(name, counts, links) per document folder of ``out_root``, sorted by name; unreadable ones skipped."""
    rows = []
    for doc_json in sorted(out_root.glob("*/document.json")):
        folder = doc_json.parent
        if folder.name.startswith("."):
            continue
        try:
            document = json.loads(doc_json.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("index: skipping %s: %s", doc_json, exc)
            continue
        name = folder.name
        wanted = [("report", report_name()), ("workbook", workbook_name(name)), ("records", "records.csv"),
                  ("data package", datapackage_name()), ("reviewed report", report_name(True)),
                  ("reviewed workbook", workbook_name(name, True)), ("reviewed records", "records.reviewed.csv"),
                  ("document.json", "document.json")]
        links = [(label, f"{quote(name)}/{quote(f)}") for label, f in wanted if (folder / f).is_file()]
        rows.append((name, document_counts(document), links))
    return rows


def index_html(out_root: Path) -> str:
    rows = document_rows(out_root)
    totals = {k: sum(c[k] for _, c, _ in rows) for k in COUNT_KEYS}
    head = ("<tr><th>document</th><th>pages</th><th>tables</th><th>cells</th><th>to review</th>"
            "<th>failed checks</th><th>files</th></tr>")
    body = []
    for name, counts, links in rows:
        first = next((href for label, href in links if label == "report"), None)
        title = f'<a href="{first}">{escape(name)}</a>' if first else escape(name)
        files = " · ".join(f'<a href="{href}">{escape(label)}</a>' for label, href in links)
        body.append(f'<tr data-document="{escape(name)}"><td>{title}</td>'
                    + "".join(f'<td class="num">{counts[k]}</td>' for k in COUNT_KEYS) + f"<td>{files}</td></tr>")
    total = ('<tr id="totals"><th>total</th>' + "".join(f'<th class="num">{totals[k]}</th>' for k in COUNT_KEYS)
             + "<th></th></tr>")
    return "\n".join([
        "<!doctype html>", '<html lang="zh"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{escape(out_root.resolve().name)} — fiscalscan</title><style>{CSS}"
        "td.num,th.num{text-align:right}</style></head><body>",
        f"<h1>{escape(out_root.resolve().name)}</h1><p class=\"meta\">{len(rows)} document(s)</p>",
        f"<table>{head}{''.join(body)}{total}</table>", "</body></html>\n"])


def write_index(out_root: Path) -> Path:
    path = out_root / INDEX
    atomic_write_text(path, index_html(out_root))
    return path
