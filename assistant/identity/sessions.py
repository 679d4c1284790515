"""Server-side web sessions and pending logins, in the relational store.

The browser only holds a random session id (HttpOnly, Secure, SameSite=Lax cookie); tokens stay here.

Pending logins are written by anonymous requests (every `GET /auth/login`), so they are bounded: they
expire after 10 minutes, one client address keeps at most `per_client` of them (its own oldest go first:
a flood from one address only pushes out its own), and the table at most `total` (oldest first: only a
flood from more than total / per_client addresses within 10 minutes can push out someone else's).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement, DateTime, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.database import Base, Database

LOGIN_STATE_TTL = timedelta(minutes=10)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class WebSessionRow(Base):
    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    claims: Mapped[dict[str, Any]] = mapped_column(JSON)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text, default="")
    id_token: Mapped[str] = mapped_column(Text, default="")
    access_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginStateRow(Base):
    __tablename__ = "pending_logins"  # was login_states, without the client column
    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_verifier: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str] = mapped_column(String(64))
    return_to: Mapped[str] = mapped_column(Text)
    client: Mapped[str] = mapped_column(String(32), index=True, default="")  # pseudonymised address
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


@dataclass(frozen=True)
class PendingLoginLimits:
    total: int = 10_000
    per_client: int = 20


def _client_key(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def _keep_newest(session: Session, keep: int, *where: ColumnElement[bool]) -> None:
    """Deletes the pending logins matching `where` but the `keep` newest."""
    stale = (select(LoginStateRow.state).where(*where)
             .order_by(LoginStateRow.created_at.desc(), LoginStateRow.state).offset(keep))
    states = list(session.scalars(stale))
    if states:
        session.execute(delete(LoginStateRow).where(LoginStateRow.state.in_(states)))


@dataclass(frozen=True)
class PendingLogin:
    state: str
    code_verifier: str
    nonce: str
    return_to: str


class SessionStore:
    def __init__(self, database: Database, limits: PendingLoginLimits | None = None) -> None:
        self._db = database
        self._limits = limits or PendingLoginLimits()
        database.create_schema()

    def begin_login(self, return_to: str, client: str = "") -> PendingLogin:
        """A new pending login for the browser at address `client` (expired and surplus ones dropped)."""
        login = PendingLogin(secrets.token_urlsafe(32), secrets.token_urlsafe(64), secrets.token_urlsafe(24),
                             return_to)
        key = _client_key(client)
        with self._db.session() as session:
            session.execute(delete(LoginStateRow).where(LoginStateRow.created_at < _now() - LOGIN_STATE_TTL))
            _keep_newest(session, self._limits.per_client - 1, LoginStateRow.client == key)
            _keep_newest(session, self._limits.total - 1)
            session.add(LoginStateRow(state=login.state, code_verifier=login.code_verifier, nonce=login.nonce,
                                      return_to=return_to, client=key, created_at=_now()))
        return login

    def finish_login(self, state: str) -> PendingLogin | None:
        """The pending login for `state`, consumed (usable once), or None if unknown or too old."""
        with self._db.session() as session:
            row = session.get(LoginStateRow, state)
            if row is None:
                return None
            session.delete(row)
            if _aware(row.created_at) < _now() - LOGIN_STATE_TTL:
                return None
            return PendingLogin(row.state, row.code_verifier, row.nonce, row.return_to)

    def create(self, username: str, claims: dict[str, Any], tokens: dict[str, Any], max_age_s: int) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._db.session() as session:
            session.add(WebSessionRow(id=session_id, username=username, claims=claims,
                                      expires_at=_now() + timedelta(seconds=max_age_s), **_token_fields(tokens)))
        return session_id

    def get(self, session_id: str) -> WebSessionRow | None:
        with self._db.session() as session:
            row = session.get(WebSessionRow, session_id)
            if row is None:
                return None
            if _aware(row.expires_at) <= _now():
                session.delete(row)
                return None
            session.expunge(row)
            row.access_expires_at = _aware(row.access_expires_at)
            return row

    def refresh(self, session_id: str, claims: dict[str, Any], tokens: dict[str, Any]) -> None:
        with self._db.session() as session:
            row = session.get(WebSessionRow, session_id)
            if row is not None:
                row.claims = claims
                for name, value in _token_fields(tokens).items():
                    if value or name not in ("refresh_token", "id_token"):  # a refresh may not resend them
                        setattr(row, name, value)

    def delete(self, session_id: str) -> WebSessionRow | None:
        with self._db.session() as session:
            row = session.get(WebSessionRow, session_id)
            if row is not None:
                session.expunge(row)
                session.execute(delete(WebSessionRow).where(WebSessionRow.id == session_id))
            return row


def _token_fields(tokens: dict[str, Any]) -> dict[str, Any]:
    return {
        "access_token": tokens["access_token"],
        "refresh_token": tokens.get("refresh_token", ""),
        "id_token": tokens.get("id_token", ""),
        "access_expires_at": _now() + timedelta(seconds=int(tokens.get("expires_in", 60))),
    }
