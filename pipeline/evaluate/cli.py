"""``fiscalscan eval``: the subcommand (the scoring is imported when it runs, not for ``fiscalscan --help``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError
from pipeline.evaluate.grid import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


# ----------------------------------------------------------------------------- report

def cmd_eval(args: argparse.Namespace) -> int:
    from pipeline.evaluate.corpus import evaluate, result_json
    from pipeline.evaluate.report import error_lines, report_lines

    truth, out = Path(args.truth), Path(args.pred)
    if not out.is_dir():
        raise ConfigError(f"--pred {out}: not a folder")
    res = evaluate(truth, out, args.review_threshold)
    for line in report_lines(res):
        print(line)
    if args.show_errors:
        for line in error_lines(res, args.show_errors):
            print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(result_json(res), ensure_ascii=False, indent=1) + "\n",
                                   encoding="utf-8")
    return 0


def add_parser(subparsers: SubParsers) -> argparse.ArgumentParser:
    ap = subparsers.add_parser(
        "eval", help="score pipeline output against an annotated corpus (manifest.json + truth.json)")
    ap.add_argument("--truth", required=True, metavar="CORPUS", help="corpus folder holding manifest.json")
    ap.add_argument("--pred", required=True, metavar="OUT", help="fiscalscan output folder")
    ap.add_argument("--review-threshold", type=float, metavar="T",
                    help=f"flag cells with confidence below T (default: the document's, else "
                         f"{DEFAULT_THRESHOLD})")
    ap.add_argument("--json", metavar="FILE", help="write the full results here")
    ap.add_argument("--show-errors", type=int, default=0, metavar="N",
                    help="print up to N cell errors per table")
    ap.set_defaults(func=cmd_eval)
    return ap
