"""``fiscalscan review OUT_DIR`` (web UI) and ``fiscalscan export OUT_DIR`` (reviewed documents)."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.outputs.cli import add_export_args, export_formats


def add_parser(subparsers: Any) -> None:
    review = subparsers.add_parser("review", help="review low-confidence cells in a browser")
    review.add_argument("out_dir", help="pipeline output folder (holds <doc>/document.json)")
    review.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    review.add_argument("--port", type=int, default=8765)
    review.add_argument("--token", help="access token (generated when binding beyond loopback)")
    review.add_argument("--reviewer", default=None, help="name recorded with corrections (default: login)")
    review.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="another host name the server may be reached by (repeatable; requests naming "
                             "any other host are refused)")
    review.set_defaults(func=cmd_review)

    export = subparsers.add_parser("export",
                                   help="write document.reviewed.json + tables_reviewed/ per document")
    export.add_argument("out_dir", help="pipeline output folder whose review.sqlite corrections are applied")
    add_export_args(export)
    export.set_defaults(func=cmd_export)


def _out_dir(raw: str) -> Path:
    out = Path(raw)
    if not out.is_dir():
        raise ConfigError(f"{raw}: no such output folder")
    return out


def _default_reviewer() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in containers
        return "reviewer"


def cmd_review(args: argparse.Namespace) -> int:
    from pipeline.plugin_manager import require

    uvicorn = require("uvicorn", "review")
    from pipeline.review.security import allowed_hosts
    from pipeline.review.server import ReviewSettings, create_app, resolve_token

    token, generated = resolve_token(args.host, args.token)
    reviewer = args.reviewer or _default_reviewer()
    settings = ReviewSettings(_out_dir(args.out_dir), token=token, reviewer=reviewer,
                              allowed_hosts=allowed_hosts(args.host, args.allow_host))
    url = f"http://{args.host}:{args.port}/"
    print(f"fiscalscan review: {url}" + (f"?token={token}" if generated else ""), flush=True)
    if generated:
        print(f"access token: {token}", flush=True)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pipeline.review.reviewed import export_all

    summaries = export_all(_out_dir(args.out_dir))
    for s in summaries:
        print(f"{s['document']}: {s['reviewer_cells']} reviewed cell(s), {s['stale']} stale -> {s['path']}")
    for path in export_formats(Path(args.out_dir), summaries, args.formats):
        print(f"wrote {path}")
    return 0
