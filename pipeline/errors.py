"""Error types, each mapped to a process exit code by the CLI."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class of every error fiscalscan reports to a user."""

    exit_code = 1


class ConfigError(PipelineError):
    exit_code = 2


class MissingDependencyError(PipelineError):
    """An optional package or model file is not installed; the message says how to get it."""

    exit_code = 3


class InputError(PipelineError):
    """The input file cannot be read as a document (empty, corrupt, encrypted, not a PDF/image...)."""

    exit_code = 4

    def __init__(self, path: str, message: str, page: int | None = None) -> None:
        self.path = path
        self.page = page
        where = f"{path}" if page is None else f"{path} page {page}"
        super().__init__(f"{where}: {message}")


class StageError(PipelineError):
    """A stage failed on one page; the page is marked ``status: "error"`` and the rest goes on."""

    def __init__(self, stage: str, page: int, message: str) -> None:
        self.stage = stage
        self.page = page
        super().__init__(f"page {page}: {stage} failed: {message}")
