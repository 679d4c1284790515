"""Upgrading to head at start: quick at head, once when several processes start together, adoption of a
database that `create_all` made (whole or partial), refusals that change nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, String, inspect, text
from sqlalchemy.exc import DatabaseError

from assistant.audit import AuditLog
from assistant.config import AuditSettings
from assistant.conversations import ConversationStore
from assistant.database import Database, create_database_engine
from assistant.migrations.errors import ForeignKeyViolation, SchemaBehind, SchemaError
from assistant.migrations.locking import migration_connection
from assistant.migrations.runner import alembic_config, database_revision, head_revision, upgrade_to_head
from tests.assistant.migrations import release

ROOT = Path(__file__).resolve().parents[3]


def _schema(url: str) -> dict[str, object]:
    engine = create_database_engine(url)
    try:
        inspector = inspect(engine)
        return {table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            inspector.get_pk_constraint(table),
            sorted((fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"], fk["options"].get("ondelete"))
                   for fk in inspector.get_foreign_keys(table)),
            sorted((i["name"], tuple(i["column_names"]), i["unique"]) for i in inspector.get_indexes(table)),
        ) for table in sorted(inspector.get_table_names())}
    finally:
        engine.dispose()


def _fresh_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return str(request.getfixturevalue("postgres_cluster").create_database())


def test_an_adopted_database_has_the_schema_of_a_new_one(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    release.create_release_database(database_url)
    fresh = _fresh_url(database_url, tmp_path, request)
    for url in (database_url, fresh):
        Database(url).create_schema()
    adopted, new = _schema(database_url), _schema(fresh)
    if database_url.startswith("sqlite"):  # create_all left SQLite's constraints unnamed; the revisions name them
        for table in (adopted, new):
            for name, (columns, pk, fks, indexes) in table.items():
                table[name] = (columns, {**pk, "name": None}, [(None, *fk[1:]) for fk in fks], indexes)
    assert adopted == new


def test_a_partial_release_database_gets_its_missing_tables(database_url: str) -> None:
    engine = create_database_engine(database_url)
    with engine.begin() as connection:  # what `assistant ingest` alone made: the catalog only
        for statement in release.release_statements(engine.dialect.name):
            if _table_of(statement) in {"collections", "documents", "chunks"}:
                connection.exec_driver_sql(statement)
    engine.dispose()
    database = Database(database_url)
    try:
        ConversationStore(database).create("alice", "Bonjour")
        assert {"audit_events", "conversations", "web_sessions"} <= set(inspect(database.engine).get_table_names())
        AuditLog(database, AuditSettings())
        with pytest.raises(DatabaseError, match="append-only"), database.engine.begin() as connection:
            connection.execute(text("INSERT INTO audit_events (at, username, action, endpoint, status, request_id,"
                                    " target, collections, retrieved, cited) VALUES (CURRENT_TIMESTAMP, 'a', 'b', "
                                    "'c', 200, 'r', '', '[]', '[]', '[]')"))
            connection.execute(text("UPDATE audit_events SET status = 1"))
    finally:
        database.close()


def _table_of(statement: str) -> str | None:
    match = re.search(r"(?:CREATE TABLE|CREATE INDEX \w+ ON) (\w+)", statement)
    return match.group(1) if match else None


def test_a_database_unlike_the_release_is_refused_unchanged(database_url: str) -> None:
    engine = create_database_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE conversations (id VARCHAR(32) PRIMARY KEY, owner TEXT)")
    database = Database(database_url)
    try:
        with pytest.raises(SchemaError, match="ne correspond pas") as refused:
            database.create_schema()
        assert "conversations" in str(refused.value)
        assert set(inspect(engine).get_table_names()) == {"conversations"}  # rolled back: nothing created
    finally:
        database.close()
        engine.dispose()


def test_a_revision_from_a_newer_version_is_refused(database_url: str) -> None:
    Database(database_url).create_schema()
    engine = create_database_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0999_from_the_future'"))
    engine.dispose()
    for migrate in (True, False):
        database = Database(database_url, migrate=migrate)
        with pytest.raises(SchemaError, match=r"0999_from_the_future.*inconnue"):
            database.create_schema()
        database.close()


def test_migrate_off_refuses_a_database_behind_and_names_the_command(database_url: str) -> None:
    release.create_release_database(database_url)
    database = Database(database_url, migrate=False)
    try:
        with pytest.raises(SchemaBehind, match="assistant db upgrade") as refused:
            ConversationStore(database)
        assert "révision aucune" in str(refused.value) and head_revision() in str(refused.value)
        assert database_revision(database.engine) is None  # nothing migrated
        upgrade_to_head(database.engine)
        ConversationStore(database)  # at head: accepted
    finally:
        database.close()


_MIGRATE = """
import sys
from assistant.database import Database
from assistant.migrations.models import load_models
load_models()
print("migrating", flush=True)
Database(sys.argv[1]).create_schema()
"""


def test_a_process_starting_during_a_migration_waits_then_finds_head(database_url: str) -> None:
    release.create_release_database(database_url)
    engine = create_database_engine(database_url)
    try:
        with migration_connection(engine) as connection:  # this process migrates; another one starts
            other = subprocess.Popen([sys.executable, "-c", _MIGRATE, database_url], text=True,
                                     env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
            assert other.stdout is not None and other.stdout.readline() == "migrating\n"
            time.sleep(1.5)
            assert other.poll() is None, other.communicate()  # waiting for the lock
            command.upgrade(alembic_config(connection), "head")
        assert other.wait(timeout=60) == 0, other.communicate()[1]  # then found the database at head
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
            assert connection.scalar(text("SELECT count(*) FROM messages")) == len(release.MESSAGES)
        assert database_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_a_failed_migration_leaves_nothing_behind(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        with pytest.raises(RuntimeError, match="revision failed"), migration_connection(engine) as connection:
            connection.exec_driver_sql("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
            raise RuntimeError("revision failed")
        assert "half_done" not in inspect(engine).get_table_names()  # DDL rolled back, on SQLite too
    finally:
        engine.dispose()


def test_sqlite_refuses_a_migration_leaving_dangling_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Database(url).create_schema()
    engine = create_database_engine(url)
    try:
        with pytest.raises(ForeignKeyViolation, match="orphelines"), migration_connection(engine) as connection:
            connection.exec_driver_sql(  # foreign keys are off while a migration rebuilds tables
                "INSERT INTO chunks (id, document_id, collection, ordinal, text, indexed_text, section) "
                "VALUES ('c', 'no-such-document', 'rh', 0, 't', 't', '')")
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM chunks")) == 0
    finally:
        engine.dispose()


def test_sqlite_rebuilding_a_parent_table_keeps_the_rows_referring_to_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    release.create_release_database(url)
    database = Database(url)
    try:
        database.create_schema()
        with migration_connection(database.engine) as connection:  # what a batch revision does on SQLite
            operations = Operations(MigrationContext.configure(connection))
            with operations.batch_alter_table("documents", recreate="always") as batch:
                batch.add_column(Column("language", String(8), nullable=True))
        with database.engine.connect() as connection:  # with foreign keys on, DROP TABLE would cascade
            assert connection.scalar(text("SELECT count(*) FROM chunks")) == len(release.CHUNKS)
            assert connection.scalar(text("SELECT count(*) FROM documents")) == len(release.DOCUMENTS)
    finally:
        database.close()
