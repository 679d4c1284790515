"""What an ingestion reports: each file's outcome, the batch's report, and the hooks a caller follows it with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class FileOutcome:
    path: Path
    status: str  # "ingested" | "unchanged" | "failed"
    reason: str = ""
    chunks: int = 0
    pages: int = 0
    warnings: list[str] = field(default_factory=list)  # the parser's and the screening's notes


@dataclass
class IngestionReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=lambda: {"parse": 0.0, "embed": 0.0, "index": 0.0})
    aborted: str | None = None
    stopped: bool = False  # `should_stop` said so: the files after the last outcome were not looked at

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def failures(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]

    @property
    def chunks_added(self) -> int:
        return sum(outcome.chunks for outcome in self.outcomes if outcome.status == "ingested")

    @property
    def pages(self) -> int:
        return sum(outcome.pages for outcome in self.outcomes if outcome.status == "ingested")


ProgressCallback = Callable[[FileOutcome], None]


@dataclass(frozen=True)
class IngestionHooks:
    """What a caller following an ingestion (a job, the CLI) is told, and how it stops it between two files."""

    on_start: Callable[[int], None] | None = None  # the number of files found
    on_begin: Callable[[Path], None] | None = None  # this file is being worked on
    on_file: ProgressCallback | None = None  # this file is done
    should_stop: Callable[[], bool] | None = None  # asked before each file; True stops the batch there
