"""What a running review server is set up with (shared by the server and its route modules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.review.store import ReviewStore


@dataclass
class ReviewSettings:
    out_dir: Path
    token: str | None = None
    reviewer: str = "reviewer"
    #: host names the server answers to (``security.allowed_hosts``); None: any
    allowed_hosts: frozenset[str] | None = None
    store: ReviewStore = field(init=False)

    def __post_init__(self) -> None:
        self.out_dir = self.out_dir.resolve()
        self.store = ReviewStore(self.out_dir)
