"""The audit trail: who read or changed what, when, with which outcome. Append-only, in the relational store.

Stored: username, time (UTC), action, endpoint (method + route template, never the URL with its query),
status code, request id, collections searched, document ids retrieved and cited, a target (path parameters).
Never stored: answers, tokens; questions only when `audit.record_questions` is on.

Rows cannot be edited: the service has no update method, and a trigger refuses UPDATE in SQL, on SQLite
and PostgreSQL (created by the first migration, `assistant/migrations/versions/0001_initial_schema.py`,
only if missing: a trigger the DBA installed is left alone). When the application's role does not own the
table, the DBA adds:

    REVOKE UPDATE, TRUNCATE ON audit_events FROM assistant_app;
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.config import AuditSettings
from assistant.database import Base, Database


def utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (SQLite returns them so)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    endpoint: Mapped[str] = mapped_column(String(300))
    status: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text, default="")
    collections: Mapped[list[str]] = mapped_column(JSON, default=list)
    retrieved: Mapped[list[str]] = mapped_column(JSON, default=list)
    cited: Mapped[list[str]] = mapped_column(JSON, default=list)
    question: Mapped[str | None] = mapped_column(Text, nullable=True)


@dataclass(frozen=True)
class AuditEvent:
    username: str
    action: str
    endpoint: str
    status: int
    request_id: str
    target: str = ""
    collections: Sequence[str] = ()
    retrieved: Sequence[str] = ()
    cited: Sequence[str] = ()
    question: str | None = None
    at: datetime | None = None
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat() if self.at else None, "username": self.username,
                "action": self.action, "endpoint": self.endpoint, "status": self.status,
                "request_id": self.request_id, "target": self.target, "collections": list(self.collections),
                "retrieved": list(self.retrieved), "cited": list(self.cited), "question": self.question}


def _event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(row.username, row.action, row.endpoint, row.status, row.request_id, row.target,
                      row.collections, row.retrieved, row.cited, row.question, utc(row.at), row.id)


class AuditLog:
    """Append-only: `record`, `query`, and `purge_older_than` (retention); nothing else touches the rows."""

    def __init__(self, database: Database, settings: AuditSettings) -> None:
        self._db = database
        self._settings = settings
        database.create_schema()

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self._settings.retention_days)

    def record(self, event: AuditEvent) -> None:
        question = event.question if self._settings.record_questions else None
        row = AuditEventRow(
            at=utc(event.at or _now()), username=event.username[:200], action=event.action[:64],
            endpoint=event.endpoint[:300], status=event.status, request_id=event.request_id[:64],
            target=event.target, collections=list(event.collections), retrieved=_unique(event.retrieved),
            cited=_unique(event.cited), question=question)
        with self._db.session() as session:
            session.add(row)

    def query(
        self, user: str | None = None, since: datetime | None = None, until: datetime | None = None,
        action: str | None = None, limit: int = 100, offset: int = 0,
    ) -> list[AuditEvent]:
        """Newest first."""
        statement = select(AuditEventRow)
        if user:
            statement = statement.where(AuditEventRow.username == user)
        if since:
            statement = statement.where(AuditEventRow.at >= utc(since))
        if until:
            statement = statement.where(AuditEventRow.at < utc(until))
        if action:
            statement = statement.where(AuditEventRow.action == action)
        statement = statement.order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc()).limit(limit).offset(offset)
        with self._db.session() as session:
            return [_event(row) for row in session.scalars(statement)]

    def purge_older_than(self, retention: timedelta | None = None) -> int:
        """Delete the events older than `retention` (default: the configured one); returns how many."""
        cutoff = _now() - (retention if retention is not None else self.retention)
        with self._db.session() as session:
            result = session.execute(delete(AuditEventRow).where(AuditEventRow.at < cutoff))
            return int(getattr(result, "rowcount", 0) or 0)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass
class AuditTrail:
    """What one request did, filled while it runs and recorded when it ends (by the HTTP layer)."""

    request_id: str
    target: str = ""
    collections: list[str] = field(default_factory=list)
    retrieved: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    question: str | None = None
    status: int | None = None  # set when a streamed answer failed after its 200 went out

    def searched(self, question: str, collections: Iterable[str], document_ids: Iterable[str]) -> None:
        self.question = question
        self.collections = list(collections)
        self.retrieved = _unique([*self.retrieved, *document_ids])

    async def observe(self, events: AsyncIterator[Any], question: str) -> AsyncIterator[Any]:
        """Pass chat events through, noting the collections searched and the documents shown and cited."""
        self.question = question
        numbers: dict[int, str] = {}
        async for event in events:
            if event.kind == "sources":
                numbers = {source["number"]: source["document_id"] for source in event.data["sources"]}
                self.searched(question, event.data.get("collections", []), numbers.values())
            elif event.kind == "done":
                self.cited = _unique(numbers[n] for n in event.data.get("citations", []) if n in numbers)
            yield event
