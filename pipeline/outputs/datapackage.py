"""A Frictionless (Table Schema) data package describing a document's ``records.csv``: field types, the unit
and meaning of each field, the primary key, and missing values.  Writing it needs nothing beyond the standard
library; ``frictionless validate datapackage.json`` (the ``datapackage`` extra) checks the CSV against it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pipeline.files import atomic_write_text

#: (name, Table Schema type, description, constraints) per records.csv column, in file order
FIELDS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("document", "string", "output name of the source document", {"required": True}),
    ("table", "string", "id of the logical table (its first page's table id, e.g. p008-t1)", {"required": True}),
    ("table_type", "string", "table type id (docs/tables.md), 'generic' when none fits", {"required": True}),
    ("part", "string", "id of the physical table on one page that holds the cell", {"required": True}),
    ("page", "integer", "1-based page number", {"required": True, "minimum": 1}),
    ("subject_code", "string", "政府收支分类 subject code, digits as printed (text: keep leading zeros)", {}),
    ("level", "string", "level of the subject code: 类 / 款 / 项, empty when uncoded",
     {"enum": ["", "类", "款", "项"]}),
    ("subject_name", "string", "row label (subject or item name)", {}),
    ("column", "string", "canonical column key (docs/tables.md)", {"required": True}),
    ("label", "string", "printed column label path", {}),
    ("value", "number", "exact decimal as printed, in the unit of the 'unit' field; empty when status is "
     "'na' (printed '-', '——': not applicable, not zero) or 'text'", {}),
    ("status", "string", "value | na (not applicable) | text (not a number)",
     {"required": True, "enum": ["value", "na", "text"]}),
    ("text", "string", "the cell text as printed", {}),
    ("unit", "string", "unit of 'value' as printed in the caption (元, 万元, …); empty when none is printed", {}),
    ("row", "integer", "0-based grid row of the cell in 'part'", {"required": True, "minimum": 0}),
    ("col", "integer", "0-based grid column of the cell in 'part'", {"required": True, "minimum": 0}),
    ("confidence", "number", "estimated probability that the cell text is exactly right",
     {"required": True, "minimum": 0, "maximum": 1}),
)
PRIMARY_KEY = ("document", "part", "row", "col", "column")


def package_name(name: str) -> str:
    """A Data Package name: lower case letters, digits and -._ only."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._")
    return slug or "document"


def descriptor(document: dict[str, Any], name: str, records_file: str = "records.csv", bom: bool = False
               ) -> dict[str, Any]:
    source = document.get("source") or {}
    units = sorted({str(r.get("unit")) for t in document.get("tables", []) for r in t.get("records") or []
                    if r.get("unit")})
    fields = []
    for fname, ftype, desc, constraints in FIELDS:
        field: dict[str, Any] = {"name": fname, "type": ftype, "description": desc}
        if ftype == "number":
            field["bareNumber"] = True
        if constraints:
            field["constraints"] = dict(constraints)
        fields.append(field)
    return {
        "name": package_name(name),
        "title": f"{name}: records{' (reviewed)' if document.get('reviewed') else ''}",
        "description": "Normalised records of the tables of one disclosure document, made by fiscalscan. "
                       f"Units used: {', '.join(units) or 'none printed'}. See docs/tables.md of fiscalscan.",
        "profile": "tabular-data-package",
        "sources": [{"title": Path(str(source.get("path", ""))).name or name,
                     "path": str(source.get("path", "")), **({"hash": f"sha256:{source['sha256']}"}
                                                            if source.get("sha256") else {})}],
        "resources": [{
            "name": "records",
            "path": records_file,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8-sig" if bom else "utf-8",
            "dialect": {"delimiter": ",", "doubleQuote": True, "header": True},
            "schema": {"fields": fields, "primaryKey": list(PRIMARY_KEY), "missingValues": [""]},
        }],
    }


def write_datapackage(path: Path, document: dict[str, Any], name: str, records_file: str = "records.csv",
                      options: Any = None) -> Path:
    bom = bool(options is not None and options.bom)
    atomic_write_text(path, json.dumps(descriptor(document, name, records_file, bom), ensure_ascii=False,
                                       indent=1) + "\n")
    return path
