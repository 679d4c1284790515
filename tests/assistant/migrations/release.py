"""A database of the release before migrations (commit b8cd0b3), with rows in every table.

The schema comes from tests/fixtures/schema/release_b8cd0b3.<engine>.sql (that release's `create_all` DDL
and audit trigger, plus the obsolete login_states); the rows are written through tables reflected from
that database, so SQLAlchemy stores them as that release did (JSON text, UTC datetimes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, Table, insert

from assistant.database import create_database_engine

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "schema"
NOW = datetime.now(UTC).replace(microsecond=0)
T0 = NOW - timedelta(days=30)

COLLECTIONS = [
    {"name": "rh", "groups": ["direction-generale", "ressources-humaines"], "generation": 3, "created_at": T0},
    {"name": "public", "groups": [], "generation": 1, "created_at": T0},
]
DOCUMENTS = [
    {"id": "d" * 40, "collection": "rh", "path": "/srv/docs/primes été.docx", "source_name": "primes été.docx",
     "title": "Délibération « primes » 2024", "file_type": "docx", "content_hash": "a" * 64,
     "size_bytes": 3 * 2**30, "page_count": 12, "chunk_count": 2, "ingested_at": T0},
    {"id": "e" * 40, "collection": "public", "path": "/srv/docs/horaires.md", "source_name": "horaires.md",
     "title": "Horaires de la mairie", "file_type": "md", "content_hash": "b" * 64, "size_bytes": 812,
     "page_count": None, "chunk_count": 1, "ingested_at": T0 + timedelta(hours=1)},
]
CHUNKS = [
    {"id": "d" * 40 + "-0", "document_id": "d" * 40, "collection": "rh", "ordinal": 0,
     "text": "La prime « été » : 800 €.", "indexed_text": "Délibération\nLa prime « été » : 800 €.", "page": 1,
     "section": "Séance du 3 juin"},
    {"id": "d" * 40 + "-1", "document_id": "d" * 40, "collection": "rh", "ordinal": 1, "text": "Suite.",
     "indexed_text": "Délibération\nSuite.", "page": None, "section": ""},
    {"id": "e" * 40 + "-0", "document_id": "e" * 40, "collection": "public", "ordinal": 0,
     "text": "Ouverte de 8 h 30 à 17 h.", "indexed_text": "Horaires\nOuverte de 8 h 30 à 17 h.", "page": None,
     "section": "Accueil"},
]
CONVERSATIONS = [
    {"id": "c1" * 16, "owner": "alice", "title": "Primes des agents", "created_at": T0, "updated_at": NOW},
    {"id": "c2" * 16, "owner": "bob", "title": "Horaires", "created_at": T0, "updated_at": T0},
]
SOURCES = [{"number": 1, "document_id": "d" * 40, "title": "Délibération « primes » 2024", "page": 1,
            "cited": True}]
MESSAGES = [
    {"id": "m1" * 16, "conversation_id": "c1" * 16, "role": "user", "content": "Quelle prime l'été ?",
     "mode": None, "sources": [], "created_at": T0},
    {"id": "m2" * 16, "conversation_id": "c1" * 16, "role": "assistant", "content": "800 € [1].",
     "mode": "generative", "sources": SOURCES, "created_at": T0 + timedelta(seconds=5)},
    {"id": "m3" * 16, "conversation_id": "c2" * 16, "role": "user", "content": "Horaires ?", "mode": None,
     "sources": [], "created_at": T0},
]
FEEDBACK = [{"message_id": "m2" * 16, "owner": "alice", "rating": 1, "comment": "Parfait, merci.",
             "created_at": NOW}]
AUDIT_EVENTS = [
    {"at": T0, "username": "alice", "action": "chat", "endpoint": "POST /api/chat", "status": 200,
     "request_id": "r1", "target": "", "collections": ["rh", "public"], "retrieved": ["d" * 40, "e" * 40],
     "cited": ["d" * 40], "question": None},
    {"at": T0 + timedelta(minutes=1), "username": "admin", "action": "collections.set_groups",
     "endpoint": "cli collections.set_groups", "status": 0, "request_id": "-", "target": "rh", "collections": [],
     "retrieved": [], "cited": [], "question": "Qui peut lire « rh » ?"},
]
WEB_SESSIONS = [
    {"id": "s" * 43, "username": "alice", "claims": {"preferred_username": "alice", "groups": ["rh"]},
     "access_token": "a1", "refresh_token": "r1", "id_token": "", "access_expires_at": NOW + timedelta(minutes=5),
     "expires_at": NOW + timedelta(hours=8)},
]
PENDING_LOGINS = [
    {"state": "p" * 43, "code_verifier": "v" * 86, "nonce": "n" * 32, "return_to": "/conversations?x=1",
     "client": "c" * 32, "created_at": NOW},
]
LOGIN_STATES = [
    {"state": "o" * 43, "code_verifier": "v" * 86, "nonce": "n" * 32, "return_to": "/", "created_at": T0},
]
ROWS: dict[str, list[dict[str, Any]]] = {
    "collections": COLLECTIONS, "documents": DOCUMENTS, "chunks": CHUNKS, "conversations": CONVERSATIONS,
    "messages": MESSAGES, "feedback": FEEDBACK, "audit_events": AUDIT_EVENTS, "web_sessions": WEB_SESSIONS,
    "pending_logins": PENDING_LOGINS, "login_states": LOGIN_STATES,
}


def release_statements(dialect: str) -> list[str]:
    script = (FIXTURES / f"release_b8cd0b3.{dialect}.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    return [statement.strip().removesuffix(";") for statement in body.split(";\n\n") if statement.strip()]


def create_release_database(url: str, rows: bool = True) -> None:
    """This release's schema in the empty database at `url`, and (by default) `ROWS` in it."""
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            for statement in release_statements(engine.dialect.name):
                connection.exec_driver_sql(statement)
            if rows:
                fill(connection)
    finally:
        engine.dispose()


def fill(connection: Connection) -> None:
    metadata = MetaData()
    for name, rows in ROWS.items():
        if name == "pending_logins":  # usable for minutes after creation: stamped now, not at import time
            rows = [{**row, "created_at": datetime.now(UTC).replace(microsecond=0)} for row in rows]
        connection.execute(insert(Table(name, metadata, autoload_with=connection)), rows)
