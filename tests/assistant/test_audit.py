"""The audit log (real SQLite and PostgreSQL), its CLI, and the JSON log format."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from assistant.audit import AuditEvent, AuditEventRow, AuditLog, AuditTrail
from assistant.chat.service import ChatEvent
from assistant.cli.app import app, register_commands
from assistant.config import AuditSettings
from assistant.database import Database
from assistant.jsonlog import JsonFormatter, LogContext, Pseudonymizer, current_context, redact


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.close()


def event(username: str = "alice", action: str = "chat", days_ago: float = 0, **values: object) -> AuditEvent:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    return AuditEvent(username, action, f"POST /api/{action}", 200, "req-1", at=at, **values)  # type: ignore[arg-type]


def test_record_and_query_with_filters(database: Database) -> None:
    log = AuditLog(database, AuditSettings())
    log.record(event("alice", "chat", days_ago=3, collections=["public"], retrieved=["d1", "d2", "d1"],
                     cited=["d1"], question="Quelle est la prime ?"))
    log.record(event("alice", "search", days_ago=1))
    log.record(event("bob", "chat", days_ago=0.5))
    assert [e.action for e in log.query(user="alice")] == ["search", "chat"]
    assert [e.username for e in log.query(action="chat")] == ["bob", "alice"]
    assert [e.username for e in log.query(since=datetime.now(UTC) - timedelta(days=2))] == ["bob", "alice"]
    assert [e.action for e in log.query(until=datetime.now(UTC) - timedelta(days=2))] == ["chat"]
    assert [e.username for e in log.query(limit=1, offset=1)] == ["alice"]
    oldest = log.query(user="alice", action="chat")[0]
    assert (oldest.retrieved, oldest.cited, oldest.collections) == (["d1", "d2"], ["d1"], ["public"])
    assert oldest.question is None  # not stored unless audit.record_questions
    assert oldest.at is not None and oldest.at.tzinfo is not None


def test_questions_are_stored_only_when_configured(database: Database) -> None:
    AuditLog(database, AuditSettings(record_questions=True)).record(event(question="Quelle est la prime ?"))
    assert AuditLog(database, AuditSettings()).query()[0].question == "Quelle est la prime ?"


def test_update_is_refused_even_in_sql(database: Database) -> None:
    log = AuditLog(database, AuditSettings())
    log.record(event("alice"))
    with pytest.raises(DatabaseError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET username = 'mallory'"))
    with pytest.raises(DatabaseError, match="append-only"), database.session() as session:
        session.query(AuditEventRow).one().status = 404
    assert [(e.username, e.status) for e in log.query()] == [("alice", 200)]
    assert not hasattr(log, "update") and not hasattr(log, "delete")


def test_purge_removes_only_events_older_than_the_retention(database: Database) -> None:
    log = AuditLog(database, AuditSettings(retention_days=30))
    log.record(event("old", days_ago=31))
    log.record(event("recent", days_ago=29))
    assert log.purge_older_than() == 1
    assert [e.username for e in log.query()] == ["recent"]
    assert log.purge_older_than(timedelta(days=400)) == 0


def test_trail_notes_collections_retrieved_and_cited_documents() -> None:
    async def events() -> AsyncIterator[ChatEvent]:
        yield ChatEvent("meta", {})
        yield ChatEvent("sources", {"collections": ["public", "rh"], "sources": [
            {"number": 1, "document_id": "d1"}, {"number": 2, "document_id": "d2"}]})
        yield ChatEvent("done", {"citations": [2]})

    async def consume() -> list[str]:
        return [item.kind async for item in trail.observe(events(), "question ?")]

    trail = AuditTrail("req")
    seen = asyncio.run(consume())
    assert seen == ["meta", "sources", "done"]
    assert (trail.collections, trail.retrieved, trail.cited) == (["public", "rh"], ["d1", "d2"], ["d2"])


def test_audit_cli_list_and_purge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ASSISTANT_CONFIG", "ASSISTANT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\naudit:\n  retention_days: 10\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    log = AuditLog(Database(f"sqlite:///{tmp_path / 'data' / 'assistant.db'}"), AuditSettings())
    log.record(event("alice", days_ago=11))
    log.record(event("bob", days_ago=1, retrieved=["d9"]))
    register_commands()
    runner = CliRunner()
    listed = runner.invoke(app, ["--config", str(config), "audit", "list", "--user", "bob", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["retrieved"] for line in listed.output.splitlines()] == [["d9"]]
    since = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    recent = runner.invoke(app, ["--config", str(config), "audit", "list", "--since", since, "--json"])
    assert [json.loads(line)["username"] for line in recent.output.splitlines()] == ["bob"]
    purged = runner.invoke(app, ["--config", str(config), "audit", "purge"])
    assert purged.exit_code == 0 and "1 audit events older than 10 days deleted" in purged.output
    assert runner.invoke(app, ["--config", str(config), "audit", "list", "--since", "hier"]).exit_code == 1


def test_pseudonym_is_stable_keyed_and_private(tmp_path: Path) -> None:
    key = tmp_path / "data" / "log-pseudonym.key"
    first = Pseudonymizer(key).pseudonym("alice")
    assert first == Pseudonymizer(key).pseudonym("alice") != Pseudonymizer(key).pseudonym("bob")
    assert "alice" not in first and first.startswith("u-")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert Pseudonymizer(tmp_path / "other.key").pseudonym("alice") != first  # per-installation secret


def test_json_lines_carry_a_pseudonym_and_no_secrets(tmp_path: Path) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(Pseudonymizer(tmp_path / "k")))
    logger = logging.getLogger("tests.audit.json")
    logger.addHandler(handler)
    token = current_context.set(LogContext("req-42", "alice"))
    try:
        logger.warning("refresh refused for Bearer abc.def-ghi, token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
                       extra={"status": 401, "question": "Quelle est la prime ?", "username": "alice"})
    finally:
        current_context.reset(token)
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["request_id"] == "req-42" and line["status"] == 401 and line["user"].startswith("u-")
    assert "alice" not in stream.getvalue() and "prime" not in stream.getvalue()
    assert "abc.def" not in line["message"] and "eyJ" not in line["message"]
    assert redact("Authorization: Bearer xyz") == "Authorization: Bearer [redacted]"
