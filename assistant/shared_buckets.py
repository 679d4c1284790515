"""Rate-limit buckets in the relational store, shared by every service process that uses the same database.

One `take` is one statement, `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, on SQLite and PostgreSQL:
the refill, the take and the verdict are computed by the database on the row it holds locked, so two
workers taking the last token at the same moment cannot both get it (SQLite takes its write lock for the
whole statement, PostgreSQL locks the conflicting row). No read-then-write race, one round trip.

Times are wall-clock seconds (`time.time()`): processes on several hosts share them (NTP). A clock that
steps back refills nothing. A bucket is useless once full again (`full_at`): such rows are purged at
most once a minute by each process.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Double, String, bindparam, case, delete, literal
from sqlalchemy.orm import Mapped, mapped_column

from assistant.database import Base, Database
from assistant.ratelimit import Rate

PURGE_INTERVAL_S = 60.0


class RateBucketRow(Base):
    __tablename__ = "rate_limit_buckets"
    key: Mapped[str] = mapped_column(String(320), primary_key=True)  # "<kind>:<username>"
    tokens: Mapped[float] = mapped_column(Double)
    updated: Mapped[float] = mapped_column(Double)  # epoch seconds of the last take
    full_at: Mapped[float] = mapped_column(Double, index=True)  # when the bucket is full again: purgeable
    allowed: Mapped[bool] = mapped_column(Boolean)  # the verdict of the last take


def _dialect_insert(name: str) -> Any:
    """The dialect's INSERT, which has ON CONFLICT DO UPDATE (both spell it the same)."""
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    raise ValueError(f"rate_limits.store 'database' supports SQLite and PostgreSQL, not {name}")


class DatabaseBuckets:
    """The `BucketStore` of several processes: one row per (kind, user) in `rate_limit_buckets`."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._insert = _dialect_insert(database.engine.dialect.name)
        self._take = self._statement()
        self._next_purge = 0.0
        self._purge_lock = threading.Lock()
        database.create_schema()

    def take(self, key: str, rate: Rate, now: float) -> float:
        self._purge_now_and_then(now)
        with self._db.engine.begin() as connection:
            left, was_allowed = connection.execute(self._take, {
                "key": key, "now": now, "per_second": rate.per_second, "capacity": float(rate.capacity),
            }).one()
        return 0.0 if was_allowed else (1.0 - float(left)) / rate.per_second

    def _statement(self) -> Any:
        """The take, built once with bound parameters (a statement built per call costs most of a take)."""
        table = RateBucketRow.__table__
        now, per_second = bindparam("now", type_=Double), bindparam("per_second", type_=Double)
        capacity = bindparam("capacity", type_=Double)
        elapsed = case((now > table.c.updated, now - table.c.updated), else_=literal(0.0, Double))
        refilled_raw = table.c.tokens + elapsed * per_second
        refilled: ColumnElement[float] = case((refilled_raw > capacity, capacity), else_=refilled_raw)
        allowed = refilled >= 1.0
        tokens = case((allowed, refilled - 1.0), else_=refilled)
        # A new bucket is full: its first take is always allowed (burst >= 1).
        statement = self._insert(table).values(key=bindparam("key"), tokens=capacity - 1.0, updated=now,
                                               allowed=True, full_at=now + 1.0 / per_second)
        return statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"tokens": tokens, "updated": now, "allowed": allowed,
                  "full_at": now + (capacity - tokens) / per_second},
        ).returning(table.c.tokens, table.c.allowed)

    def purge(self, now: float) -> int:
        """Delete the buckets that are full again (the same as no bucket); returns how many."""
        with self._db.session() as session:
            result = session.execute(delete(RateBucketRow).where(RateBucketRow.full_at <= now))
            return int(getattr(result, "rowcount", 0) or 0)

    def _purge_now_and_then(self, now: float) -> None:
        with self._purge_lock:
            if now < self._next_purge:
                return
            self._next_purge = now + PURGE_INTERVAL_S
        self.purge(now)
