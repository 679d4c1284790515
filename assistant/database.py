"""The one relational store (SQLite by default, PostgreSQL by URL): engine and session factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import URL, Engine, MetaData, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Constraint names the same on both engines, and equal to PostgreSQL's own defaults (`<table>_pkey`,
# `<table>_<column>_fkey`, `<table>_<column>_key`), so the databases `create_all` made before migrations
# carry the names the revisions use; indexes keep SQLAlchemy's `ix_<table>_<column>`.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the service read while an ingestion writes; a crash never leaves a half-written commit.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _postgres_url(url: URL) -> tuple[URL, dict[str, Any]]:
    """psycopg 3 (the `postgres` extra) for a bare postgresql:// URL, which SQLAlchemy maps to psycopg2;
    sessions in UTC, so timestamps read back in UTC (as on SQLite) whatever the server's TimeZone."""
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    libpq = url.get_driver_name() in ("psycopg", "psycopg2")
    return url, {"options": "-c TimeZone=UTC"} if libpq and "options" not in url.query else {}


def create_database_engine(url: str, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        parsed, connect_args = _postgres_url(parsed)
    return create_engine(parsed, echo=echo, pool_pre_ping=True, connect_args=connect_args)


class Database:
    """Owns the engine; `session()` is a unit of work that commits on success and rolls back on error.

    `migrate`: whether `create_schema()` applies pending migrations (`database.migrate_on_start`) or only
    refuses a database that is behind."""

    def __init__(self, url: str, echo: bool = False, migrate: bool = True) -> None:
        self.engine = create_database_engine(url, echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._migrate = migrate
        self._schema_ready = False

    def create_schema(self) -> None:
        """The schema at the latest revision: migrated (Alembic) or, with `migrate=False`, checked
        (`SchemaBehind` when it is not). Once per Database: every store's constructor calls it."""
        if self._schema_ready:
            return
        from assistant.migrations.runner import require_head, upgrade_to_head

        if self._migrate:
            upgrade_to_head(self.engine)
        else:
            require_head(self.engine)
        self._schema_ready = True

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()
