"""The kinds of job, their payloads (validated before anything runs) and the context a handler gets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from assistant.jobs.views import FileResult

if TYPE_CHECKING:
    from assistant.runtime import Runtime

INGEST, AUDIT_PURGE = "ingest", "audit_purge"
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4096)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IngestPayload(_Payload):
    paths: list[_Text] = Field(min_length=1, description="Files or folders to ingest (absolute paths).")
    collection: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    groups: list[_Text] | None = None
    public: bool = False
    sync: bool = False
    only: list[_Text] | None = Field(None, description="Only these files of the folders (a retry of failures).")


class AuditPurgePayload(_Payload):
    pass


class JobContext(Protocol):
    """What a handler may do with its job while it runs (the worker implements it)."""

    job_id: int
    first_started_at: datetime  # when the job's first run started (a taken-over job started before)

    def should_stop(self) -> bool:
        """Cancel requested, worker stopping, or lease lost: stop at the next safe point."""
        ...

    def stop_reason(self) -> str | None:
        """"cancelled" or "interrupted" once should_stop() said True."""
        ...

    def start_files(self, total: int) -> None: ...

    def begin_file(self, path: str) -> None: ...

    def file_done(self, outcome: FileResult) -> None: ...


@dataclass(frozen=True)
class Outcome:
    status: str  # succeeded | failed | cancelled (the worker releases an "interrupted" job instead)
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    interrupted: bool = False  # the worker stops: the job goes back to the queue, to be resumed


Handler = Callable[["Runtime", JobContext, Any], Outcome]


@dataclass(frozen=True)
class JobKind:
    payload: type[BaseModel]
    handler: Handler


class InvalidJob(ValueError):
    """Unknown kind or bad payload: the job fails with this message, in French, for the admin."""


def parse_payload(kinds: dict[str, JobKind], kind: str, payload: Any) -> tuple[JobKind, BaseModel]:
    job_kind = kinds.get(kind)
    if job_kind is None:
        known = ", ".join(sorted(kinds))
        raise InvalidJob(f"type de tâche inconnu : {kind!r} (types connus : {known})")
    try:
        return job_kind, job_kind.payload.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'paramètres'} : {e['msg']}"
                             for e in exc.errors())
        raise InvalidJob(f"paramètres invalides pour une tâche {kind!r} : {problems}") from exc
