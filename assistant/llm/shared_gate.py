"""Admission to a model that several service processes share (a remote OpenAI-compatible server): at most
`concurrency` generations at once and `max_queue` waiting, across every worker and host using the database.

An in-process llama.cpp model belongs to its worker (each worker loads its own): there the per-process
`ModelGate` applies. A remote server's capacity does not grow with the number of workers: its admission is
kept in the relational store, as leases.

Each request holds a row of `model_admissions` (waiting, then active) with a lease that its worker renews;
a worker that dies leaves leases that expire after `LEASE_S`. Every decision runs in one transaction that
first updates the pool's row in `model_admission_pools`: that write lock (SQLite's database lock,
PostgreSQL's row lock) serialises the decisions, so two workers never both take the last slot. Waiting
requests poll every `POLL_S` and are let in by order of arrival, whatever their worker.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Literal

from sqlalchemy import Double, Integer, String, delete, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.database import Base, Database
from assistant.llm.gate import GateStats, ModelGate, QueueFull
from assistant.llm.settings import LLMSettings

log = logging.getLogger(__name__)
LEASE_S = 15.0
POLL_S = 0.1
Outcome = Literal["active", "waiting", "full"]


class AdmissionPoolRow(Base):
    __tablename__ = "model_admission_pools"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    turns: Mapped[int] = mapped_column(Integer, default=0)  # bumped by each decision: the lock they share


class AdmissionRow(Base):
    __tablename__ = "model_admissions"
    ticket: Mapped[str] = mapped_column(String(64), primary_key=True)
    pool: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(8))  # "waiting" or "active"
    arrived: Mapped[float] = mapped_column(Double)  # epoch seconds: the queue's order
    expires: Mapped[float] = mapped_column(Double, index=True)


class AdmissionTable:
    """The admission decisions of one pool, in the relational store."""

    def __init__(self, database: Database, pool: str, concurrency: int, max_queue: int) -> None:
        self._db, self.pool, self.concurrency, self.max_queue = database, pool, concurrency, max_queue
        database.create_schema()
        try:
            with database.session() as session:
                if session.get(AdmissionPoolRow, pool) is None:
                    session.add(AdmissionPoolRow(name=pool, turns=0))
        except IntegrityError:
            pass  # another worker created it at the same moment

    def decide(self, ticket: str, now: float, lease_s: float = LEASE_S) -> Outcome:
        """Let `ticket` in, queue it (or keep it queued, its lease renewed), or refuse it (queue full)."""
        with self._db.session() as session:
            session.execute(update(AdmissionPoolRow).where(AdmissionPoolRow.name == self.pool)
                            .values(turns=AdmissionPoolRow.turns + 1))  # first: the lock
            session.execute(delete(AdmissionRow).where(AdmissionRow.pool == self.pool, AdmissionRow.expires < now))
            mine = session.get(AdmissionRow, ticket)
            active, waiting = self._counts(session)
            if active < self.concurrency and self._ahead_of(session, mine) == 0:
                if mine is None:
                    mine = AdmissionRow(ticket=ticket, pool=self.pool, arrived=now)
                    session.add(mine)
                mine.state, mine.expires = "active", now + lease_s
                return "active"
            if mine is None:
                if waiting >= self.max_queue:
                    return "full"
                session.add(AdmissionRow(ticket=ticket, pool=self.pool, state="waiting", arrived=now,
                                         expires=now + lease_s))
            else:
                mine.expires = now + lease_s
            return "waiting"

    def renew(self, ticket: str, now: float, lease_s: float = LEASE_S) -> None:
        with self._db.session() as session:
            session.execute(update(AdmissionRow).where(AdmissionRow.ticket == ticket).values(expires=now + lease_s))

    def leave(self, ticket: str) -> None:
        with self._db.session() as session:
            session.execute(delete(AdmissionRow).where(AdmissionRow.ticket == ticket))

    def counts(self, now: float) -> tuple[int, int]:
        """(active, waiting) leases still valid at `now`, in every process."""
        with self._db.session() as session:
            return self._counts(session, now)

    def _counts(self, session: Session, now: float | None = None) -> tuple[int, int]:
        query = select(AdmissionRow.state, func.count()).where(AdmissionRow.pool == self.pool)
        if now is not None:
            query = query.where(AdmissionRow.expires >= now)
        found = {state: count for state, count in session.execute(query.group_by(AdmissionRow.state))}
        return int(found.get("active", 0)), int(found.get("waiting", 0))

    def _ahead_of(self, session: Session, mine: AdmissionRow | None) -> int:
        """Requests waiting before `mine` (all of them for a newcomer)."""
        query = select(func.count()).where(AdmissionRow.pool == self.pool, AdmissionRow.state == "waiting")
        if mine is not None:
            query = query.where(tuple_(AdmissionRow.arrived, AdmissionRow.ticket) < (mine.arrived, mine.ticket))
        return int(session.scalar(query) or 0)


class SharedModelGate(ModelGate):
    """`ModelGate`'s interface over an `AdmissionTable`; its stats count this process's requests."""

    def __init__(self, table: AdmissionTable, *, clock: Callable[[], float] = time.time,
                 poll_s: float = POLL_S, lease_s: float = LEASE_S) -> None:
        super().__init__(concurrency=table.concurrency, max_queue=table.max_queue)
        self._table, self._clock, self._poll_s, self._lease_s = table, clock, poll_s, lease_s
        self._local_waiting = 0

    @property
    def stats(self) -> GateStats:
        return GateStats(waiting=self._local_waiting, active=self._active, completed=self._completed,
                         rejected=self._rejected, tokens_generated=self._tokens,
                         last_tokens_per_s=self._last_tokens_per_s)

    def retry_after_s(self, waiting: int | None = None) -> int:
        waiting = self._local_waiting if waiting is None else waiting
        return max(1, math.ceil((waiting + 1) / self.concurrency * self._mean_hold_s))

    def check_room(self) -> None:
        active, waiting = self._table.counts(self._clock())
        if active >= self.concurrency and waiting >= self.max_queue:
            raise QueueFull(self.retry_after_s(waiting))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        ticket = secrets.token_hex(16)
        await self._enter(ticket)
        self._active += 1
        renewing = asyncio.create_task(self._renew(ticket))
        started = time.monotonic()
        try:
            yield
        finally:
            renewing.cancel()
            self._active -= 1
            self._completed += 1
            self._mean_hold_s += 0.3 * (time.monotonic() - started - self._mean_hold_s)
            await asyncio.shield(asyncio.to_thread(self._table.leave, ticket))

    async def _enter(self, ticket: str) -> None:
        self._local_waiting += 1
        try:
            while (outcome := await asyncio.to_thread(self._table.decide, ticket, self._clock(), self._lease_s)) \
                    != "active":
                if outcome == "full":
                    self._rejected += 1
                    raise QueueFull(self.retry_after_s())
                await asyncio.sleep(self._poll_s)
        except asyncio.CancelledError:  # the client left: leave the queue (or the slot just granted)
            await asyncio.shield(asyncio.to_thread(self._table.leave, ticket))
            raise
        finally:
            self._local_waiting -= 1

    async def _renew(self, ticket: str) -> None:
        while True:
            await asyncio.sleep(self._lease_s / 3)
            try:
                await asyncio.to_thread(self._table.renew, ticket, self._clock(), self._lease_s)
            except Exception as exc:  # the database away for a moment: the next renewal may succeed
                log.warning("model admission lease not renewed (%s)", exc.__class__.__name__)


def shares_admission(settings: LLMSettings) -> bool:
    """`llm.admission`: `auto` shares it for a remote server only (an in-process model is the worker's own)."""
    if settings.admission == "auto":
        return settings.backend == "openai-compatible"
    return settings.admission == "shared"


def build_model_gate(settings: LLMSettings, database: Database) -> ModelGate:
    if not shares_admission(settings):
        return ModelGate(concurrency=settings.concurrency, max_queue=settings.max_queue)
    endpoint = f"{settings.backend}|{settings.base_url}|{settings.remote_model}|{settings.model}"
    pool = "llm-" + hashlib.sha256(endpoint.encode()).hexdigest()[:16]
    return SharedModelGate(AdmissionTable(database, pool, settings.concurrency, settings.max_queue))
