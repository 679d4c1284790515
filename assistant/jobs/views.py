"""What the job service returns: plain frozen values, readable by any process (the admin page, the CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assistant.jobs.models import FINISHED, JobFileRow, JobRow, utc


@dataclass(frozen=True)
class FileResult:
    path: str
    status: str  # "ingested" | "unchanged" | "failed"
    reason: str = ""
    chunks: int = 0
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobStatus:
    id: int
    kind: str
    status: str  # queued | running | succeeded | failed | cancelled
    payload: dict[str, Any]
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    worker: str | None
    cancel_requested: bool
    files_total: int | None
    files_done: int
    current_file: str | None
    error: str | None
    result: dict[str, Any] = field(default_factory=dict)
    retry_of: int | None = None
    schedule_slot: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def eta_seconds(self, now: datetime) -> float | None:
        """Seconds left at the mean pace of the files done so far (None before the first file is done)."""
        if self.started_at is None or not self.files_total or not self.files_done or self.finished:
            return None
        elapsed = (now - self.started_at).total_seconds()
        return max(elapsed / self.files_done * (self.files_total - self.files_done), 0.0)

    def as_dict(self) -> dict[str, Any]:
        def stamp(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {"id": self.id, "kind": self.kind, "status": self.status, "payload": self.payload,
                "requested_by": self.requested_by, "created_at": stamp(self.created_at),
                "started_at": stamp(self.started_at), "finished_at": stamp(self.finished_at),
                "attempts": self.attempts, "worker": self.worker, "cancel_requested": self.cancel_requested,
                "files_total": self.files_total, "files_done": self.files_done,
                "current_file": self.current_file, "error": self.error, "result": self.result,
                "retry_of": self.retry_of, "schedule_slot": self.schedule_slot}


def job_status(row: JobRow) -> JobStatus:
    created = utc(row.created_at)
    assert created is not None
    return JobStatus(
        id=row.id, kind=row.kind, status=row.status, payload=dict(row.payload or {}),
        requested_by=row.requested_by, created_at=created, started_at=utc(row.started_at),
        finished_at=utc(row.finished_at), attempts=row.attempts, worker=row.worker,
        cancel_requested=row.cancel_requested, files_total=row.files_total, files_done=row.files_done,
        current_file=row.current_file, error=row.error, result=dict(row.result or {}), retry_of=row.retry_of,
        schedule_slot=row.schedule_slot)


def file_result(row: JobFileRow) -> FileResult:
    return FileResult(row.path, row.status, row.reason, row.chunks, tuple(row.warnings or ()))
