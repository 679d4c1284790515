"""The relational stores on both backends: SQLite and a real PostgreSQL server (tests/support/postgres.py).

The catalog, conversations and feedback, web sessions and the audit log (also covered, on both backends, by
test_audit.py) behave the same whichever store `database.url` names.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DatabaseError

from assistant.audit import AuditEvent, AuditLog
from assistant.catalog import Catalog, ChunkToStore, DocumentToStore, document_id_for
from assistant.config import AuditSettings
from assistant.conversations import ConversationStore, NotFound
from assistant.database import Database
from assistant.identity.sessions import LoginStateRow, SessionStore

postgres_only = pytest.mark.integration


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.create_schema()
    yield database
    database.close()


def _document(collection: str, path: str, digest: str = "a" * 64) -> DocumentToStore:
    return DocumentToStore(document_id_for(collection, path), collection, path, path.rsplit("/", 1)[-1],
                           "Délibération « budget » 2024", "docx", digest, 3 * 2**30, None)  # over 32 bits


def _chunks(document: DocumentToStore, version: str, texts: list[str]) -> list[ChunkToStore]:
    return [ChunkToStore(f"{document.id}-{version}-{i}", i, body, f"Titre\n{body}", i + 1 if i else None,
                         "Séance") for i, body in enumerate(texts)]


def test_catalog_collections_documents_chunks_and_generation(database: Database) -> None:
    catalog = Catalog(database)
    catalog.ensure_collection("rh", ["ressources-humaines", "direction-generale", "ressources-humaines"])
    assert catalog.ensure_collection("rh", None).groups == ["direction-generale", "ressources-humaines"]
    assert catalog.ensure_collection("rh", ["direction-generale"]).generation == 1
    assert [(row.name, row.groups) for row in catalog.collections()] == [("rh", ["direction-generale"])]

    document = _document("rh", "/srv/docs/primes été.docx")
    assert catalog.commit_document(document, _chunks(document, "v1", ["La prime « été » : 800 €.", "Suite"])) == []
    replaced = catalog.commit_document(document, _chunks(document, "v2", ["La prime passe à 900 €."]))
    assert replaced == [f"{document.id}-v1-0", f"{document.id}-v1-1"]
    assert catalog.generation("rh") == 3
    assert catalog.chunk_ids("rh") == {f"{document.id}-v2-0"}
    stored = catalog.document(document.id)
    assert stored is not None
    assert (stored.title, stored.chunk_count, stored.page_count, stored.size_bytes) == (
        "Délibération « budget » 2024", 1, None, 3 * 2**30)
    assert stored.ingested_at.utcoffset() in (None, timedelta(0))  # UTC (SQLite: naive, stored in UTC)
    chunk = catalog.chunks_by_id([f"{document.id}-v2-0"])[f"{document.id}-v2-0"]
    assert (chunk.text, chunk.page, chunk.section) == ("La prime passe à 900 €.", None, "Séance")
    assert catalog.chunk_texts("rh") == [(chunk.id, "Titre\nLa prime passe à 900 €.")]
    assert catalog.counts() == {"collections": 1, "documents": 1, "chunks": 1}
    assert catalog.remove_document(document.id) == [chunk.id]
    assert (catalog.documents(), catalog.remove_document(document.id), catalog.generation("rh")) == ([], [], 4)


def test_catalog_refuses_a_document_in_an_unknown_collection(database: Database) -> None:
    document = _document("nowhere", "/srv/docs/a.txt")
    with pytest.raises(DatabaseError):  # foreign key, on both backends
        Catalog(database).commit_document(document, _chunks(document, "v1", ["texte"]))


def test_conversations_messages_and_feedback(database: Database) -> None:
    store = ConversationStore(database)
    first = store.create("alice", "Primes des agents")
    second = store.create("alice", "")
    sources = [{"number": 1, "document_id": "d1", "title": "Délibération « été »", "page": None, "cited": True}]
    question = store.add_message("alice", first.id, "user", "Quelle prime ?")
    answer = store.add_message("alice", first.id, "assistant", "800 € [1].", "generative", sources)
    assert [row.id for row in store.list_for("alice")] == [first.id, second.id]  # most recently updated first
    assert store.get("alice", second.id).title == "Nouvelle conversation"

    store.set_feedback("alice", answer, -1, "incomplet")
    store.set_feedback("alice", answer, 1, "x" * 5000)  # replaces the first rating; comment truncated
    messages = store.messages("alice", first.id)
    assert [(m.id, m.role, m.mode, m.rating) for m in messages] == [
        (question, "user", None, None), (answer, "assistant", "generative", 1)]
    assert messages[1].sources == sources and messages[1].created_at >= messages[0].created_at

    for forbidden in (lambda: store.get("bob", first.id), lambda: store.messages("bob", first.id),
                      lambda: store.add_message("bob", first.id, "user", "?"),
                      lambda: store.set_feedback("bob", answer, 1, ""),
                      lambda: store.set_feedback("alice", question, 1, "")):
        with pytest.raises(NotFound):
            forbidden()
    store.delete("alice", first.id)
    with pytest.raises(NotFound):
        store.messages("alice", first.id)
    assert store.delete_all("alice") == 1 and store.list_for("alice") == []


def test_web_sessions_and_pending_logins(database: Database) -> None:
    store = SessionStore(database)
    login = store.begin_login("/conversations?x=1")
    assert store.finish_login(login.state) == login
    assert store.finish_login(login.state) is None  # usable once
    stale = store.begin_login("/")
    with database.session() as session:
        session.execute(update(LoginStateRow).where(LoginStateRow.state == stale.state)
                        .values(created_at=datetime.now(UTC) - timedelta(minutes=11)))
    assert store.finish_login(stale.state) is None

    claims = {"preferred_username": "alice", "groups": ["urbanisme"], "nom": "Élodie"}
    session_id = store.create("alice", claims, {"access_token": "a1", "refresh_token": "r1", "expires_in": 300}, 3600)
    row = store.get(session_id)
    assert row is not None and (row.username, row.claims, row.access_token) == ("alice", claims, "a1")
    assert timedelta(seconds=290) < row.access_expires_at - datetime.now(UTC) <= timedelta(seconds=300)
    store.refresh(session_id, {**claims, "groups": []}, {"access_token": "a2", "expires_in": 60})
    row = store.get(session_id)
    assert row is not None and (row.access_token, row.refresh_token, row.claims["groups"]) == ("a2", "r1", [])
    assert store.delete(session_id) is not None and store.get(session_id) is None

    expired = store.create("alice", claims, {"access_token": "a"}, max_age_s=-1)
    assert store.get(expired) is None and store.delete(expired) is None  # an expired session is deleted


@postgres_only
def test_audit_trigger_is_installed_once_and_refuses_updates(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        for _ in range(2):  # every start installs it if missing
            AuditLog(database, AuditSettings()).record(AuditEvent("alice", "chat", "POST /api/chat", 200, "r"))
        with database.engine.connect() as connection:
            triggers = text("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_events_no_update'")
            assert connection.scalar(triggers) == 1
        with pytest.raises(DatabaseError, match="append-only"), database.engine.begin() as connection:
            connection.execute(text("UPDATE audit_events SET status = 500 WHERE username = 'alice'"))
        assert [e.status for e in AuditLog(database, AuditSettings()).query()] == [200, 200]
    finally:
        database.close()


@postgres_only
def test_a_plain_postgresql_url_uses_psycopg_and_reads_utc(postgres_url: str) -> None:
    database = Database(postgres_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        with database.engine.connect() as connection:
            assert connection.scalar(text("SHOW TimeZone")) == "UTC"  # the test server runs in Europe/Paris
        assert database.engine.dialect.driver == "psycopg"
        row = ConversationStore(database).create("alice", "Horaires")
        assert ConversationStore(database).get("alice", row.id).created_at.utcoffset() == timedelta(0)
    finally:
        database.close()
