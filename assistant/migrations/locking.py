"""The one connection a migration runs on: in a transaction that only one process at a time may hold.

PostgreSQL: a transaction-scoped advisory lock (DDL is transactional there). SQLite: `BEGIN IMMEDIATE`
takes the file's write lock for the whole migration, on a connection of its own where the driver's
implicit transactions are off (so DDL is transactional too) and foreign keys are off (a batch migration
recreates tables: with them on, dropping the old copy would cascade-delete the rows referring to it;
`PRAGMA foreign_key_check` runs before the commit instead). Others wait, then find the database at head.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import NullPool

from assistant.migrations.errors import ForeignKeyViolation

# Any fixed 64-bit key; every process of the service uses the same one ("assistant migrations").
_ADVISORY_LOCK_KEY = 0x6173736973740001


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a locked transaction, committed when the block ends without error."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with _sqlite_locked(engine) as connection:
            yield connection
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        yield connection


@contextmanager
def _sqlite_locked(engine: Engine) -> Iterator[Connection]:
    migrator = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(migrator, "connect", _sqlite_migration_pragmas)
    event.listen(migrator, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        with migrator.begin() as connection:
            yield connection
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise ForeignKeyViolation(
                    f"La migration laisserait des lignes orphelines ; rien n'a été modifié. / The migration would "
                    f"leave rows with dangling foreign keys; nothing was changed: {broken[:5]}")
    finally:
        migrator.dispose()


def _sqlite_migration_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN from the driver: the "begin" event's own
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()
