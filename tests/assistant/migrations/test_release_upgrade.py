"""A database of the release before migrations, with rows in every table, upgraded to head on SQLite and
on a real PostgreSQL server: everything reads back through the stores, and the audit trail stays
append-only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DatabaseError

from assistant.audit import AuditEvent, AuditLog
from assistant.catalog import Catalog, ChunkToStore, DocumentToStore, document_id_for
from assistant.config import AuditSettings
from assistant.conversations import ConversationStore, FeedbackRow
from assistant.database import Database
from assistant.identity.sessions import SessionStore
from assistant.migrations.runner import database_revision, head_revision
from tests.assistant.migrations import release


@pytest.fixture
def upgraded(database_url: str) -> Iterator[Database]:
    release.create_release_database(database_url)
    database = Database(database_url)
    database.create_schema()
    yield database
    database.close()


def test_the_catalog_reads_back(upgraded: Database) -> None:
    catalog = Catalog(upgraded)
    assert [(row.name, row.groups, row.generation) for row in catalog.collections()] == [
        (row["name"], row["groups"], row["generation"]) for row in sorted(release.COLLECTIONS,
                                                                          key=lambda row: row["name"])]
    for expected in release.DOCUMENTS:
        stored = catalog.document(expected["id"])
        assert stored is not None
        assert {key: getattr(stored, key) for key in expected if key != "ingested_at"} == {
            key: value for key, value in expected.items() if key != "ingested_at"}
        assert stored.ingested_at.replace(tzinfo=None) == expected["ingested_at"].replace(tzinfo=None)
    chunks = catalog.chunks_by_id(row["id"] for row in release.CHUNKS)
    assert [{key: getattr(chunks[row["id"]], key) for key in row} for row in release.CHUNKS] == release.CHUNKS
    assert catalog.counts() == {"collections": 2, "documents": 2, "chunks": 3}
    assert catalog.references("a" * 64) == 1 and catalog.generation("rh") == 3


def test_the_catalog_still_writes_and_cascades(upgraded: Database) -> None:
    catalog = Catalog(upgraded)
    document = DocumentToStore(document_id_for("rh", "/srv/docs/b.txt"), "rh", "/srv/docs/b.txt", "b.txt", "B",
                               "txt", "c" * 64, 10, None)
    catalog.commit_document(document, [ChunkToStore(f"{document.id}-0", 0, "texte", "B\ntexte", None, "")])
    assert catalog.generation("rh") == 4 and catalog.counts()["chunks"] == 4
    assert catalog.remove_document("d" * 40) == ["d" * 40 + "-0", "d" * 40 + "-1"]
    with upgraded.session() as session:  # ON DELETE CASCADE survived the upgrade
        assert session.scalar(text("SELECT count(*) FROM chunks WHERE document_id = :id"), {"id": "d" * 40}) == 0


def test_conversations_messages_and_feedback_read_back(upgraded: Database) -> None:
    store = ConversationStore(upgraded)
    assert [row.id for row in store.list_for("alice")] == ["c1" * 16]
    assert store.get("bob", "c2" * 16).title == "Horaires"
    messages = store.messages("alice", "c1" * 16)
    assert [(m.id, m.role, m.content, m.mode, m.sources, m.rating) for m in messages] == [
        ("m1" * 16, "user", "Quelle prime l'été ?", None, [], None),
        ("m2" * 16, "assistant", "800 € [1].", "generative", release.SOURCES, 1)]
    with upgraded.session() as session:
        feedback = session.get(FeedbackRow, "m2" * 16)
        assert feedback is not None and (feedback.owner, feedback.comment) == ("alice", "Parfait, merci.")
    store.add_message("alice", "c1" * 16, "user", "Et l'hiver ?")
    store.delete("bob", "c2" * 16)  # messages go with their conversation
    with upgraded.session() as session:
        assert session.scalar(text("SELECT count(*) FROM messages")) == 3


def test_the_audit_trail_reads_back_and_stays_append_only(upgraded: Database) -> None:
    log = AuditLog(upgraded, AuditSettings(record_questions=True))
    events = log.query()
    assert [(e.username, e.action, e.endpoint, e.status, e.request_id, e.target, list(e.collections),
             list(e.retrieved), list(e.cited), e.question) for e in events] == [
        (row["username"], row["action"], row["endpoint"], row["status"], row["request_id"], row["target"],
         row["collections"], row["retrieved"], row["cited"], row["question"])
        for row in reversed(release.AUDIT_EVENTS)]
    assert [e.at for e in events] == [row["at"] for row in reversed(release.AUDIT_EVENTS)]
    log.record(AuditEvent("alice", "chat", "POST /api/chat", 200, "r3"))
    assert [e.id for e in log.query()] == [3, 2, 1]  # ids go on from the release's
    with pytest.raises(DatabaseError, match="append-only"), upgraded.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET status = 500"))
    assert log.purge_older_than(timedelta(days=1)) == 2  # retention still deletes


def test_web_sessions_and_pending_logins_read_back(upgraded: Database) -> None:
    store = SessionStore(upgraded)
    expected = release.WEB_SESSIONS[0]
    row = store.get(expected["id"])
    assert row is not None
    assert (row.username, row.claims, row.access_token, row.refresh_token, row.access_expires_at) == (
        "alice", expected["claims"], "a1", "r1", expected["access_expires_at"])
    pending = release.PENDING_LOGINS[0]
    login = store.finish_login(pending["state"])
    assert login is not None and (login.code_verifier, login.return_to) == (pending["code_verifier"],
                                                                            pending["return_to"])


def test_the_obsolete_login_states_table_is_dropped(upgraded: Database) -> None:
    assert "login_states" not in inspect(upgraded.engine).get_table_names()
    assert database_revision(upgraded.engine) == head_revision()


def test_a_second_upgrade_changes_nothing(upgraded: Database, database_url: str) -> None:
    before = _schema_and_rows(upgraded)
    again = Database(database_url)
    try:
        again.create_schema()
        assert _schema_and_rows(again) == before
    finally:
        again.close()


def _schema_and_rows(database: Database) -> tuple[object, ...]:
    inspector = inspect(database.engine)
    tables = sorted(inspector.get_table_names())
    columns = {t: [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(t)] for t in tables}
    indexes = {t: sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(t)) for t in tables}
    with database.engine.connect() as connection:
        rows = {t: sorted(map(repr, connection.execute(select(text("*")).select_from(text(t))))) for t in tables}
    return tables, columns, indexes, rows
