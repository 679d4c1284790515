"""Server-side web sessions and pending logins, in the relational store.

The browser only holds a random session id (HttpOnly, Secure, SameSite=Lax cookie); tokens stay here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text, delete
from sqlalchemy.orm import Mapped, mapped_column

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
    __tablename__ = "login_states"
    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_verifier: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str] = mapped_column(String(64))
    return_to: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


@dataclass(frozen=True)
class PendingLogin:
    state: str
    code_verifier: str
    nonce: str
    return_to: str


class SessionStore:
    def __init__(self, database: Database) -> None:
        self._db = database
        database.create_schema()

    def begin_login(self, return_to: str) -> PendingLogin:
        login = PendingLogin(secrets.token_urlsafe(32), secrets.token_urlsafe(64), secrets.token_urlsafe(24),
                             return_to)
        with self._db.session() as session:
            session.execute(delete(LoginStateRow).where(LoginStateRow.created_at < _now() - LOGIN_STATE_TTL))
            session.add(LoginStateRow(state=login.state, code_verifier=login.code_verifier, nonce=login.nonce,
                                      return_to=return_to, created_at=_now()))
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
