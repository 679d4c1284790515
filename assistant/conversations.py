"""Conversations, messages and feedback, private to their owner, in the relational store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.database import Base, Database


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


class ConversationRow(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MessageRow(Base):
    __tablename__ = "messages"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class FeedbackRow(Base):
    __tablename__ = "feedback"
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class NotFound(LookupError):
    """No such conversation or message for this user (another user's look the same: not found)."""


@dataclass(frozen=True)
class StoredMessage:
    id: str
    role: str
    content: str
    mode: str | None
    sources: list[dict[str, Any]]
    created_at: datetime
    rating: int | None = None


class ConversationStore:
    def __init__(self, database: Database) -> None:
        self._db = database
        database.create_schema()

    def create(self, owner: str, title: str) -> ConversationRow:
        with self._db.session() as session:
            row = ConversationRow(id=_new_id(), owner=owner, title=title[:200] or "Nouvelle conversation")
            session.add(row)
            session.flush()
            session.expunge(row)
            return row

    def get(self, owner: str, conversation_id: str) -> ConversationRow:
        with self._db.session() as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None or row.owner != owner:
                raise NotFound(conversation_id)
            session.expunge(row)
            return row

    def list_for(self, owner: str, limit: int = 100) -> list[ConversationRow]:
        query = (select(ConversationRow).where(ConversationRow.owner == owner)
                 .order_by(ConversationRow.updated_at.desc()).limit(limit))
        with self._db.session() as session:
            rows = list(session.scalars(query))
            session.expunge_all()
            return rows

    def messages(self, owner: str, conversation_id: str) -> list[StoredMessage]:
        self.get(owner, conversation_id)
        query = (select(MessageRow, FeedbackRow.rating)
                 .outerjoin(FeedbackRow, FeedbackRow.message_id == MessageRow.id)
                 .where(MessageRow.conversation_id == conversation_id).order_by(MessageRow.created_at))
        with self._db.session() as session:
            return [StoredMessage(m.id, m.role, m.content, m.mode, m.sources, m.created_at, rating)
                    for m, rating in session.execute(query)]

    def add_message(self, owner: str, conversation_id: str, role: str, content: str,
                    mode: str | None = None, sources: list[dict[str, Any]] | None = None) -> str:
        with self._db.session() as session:
            conversation = session.get(ConversationRow, conversation_id)
            if conversation is None or conversation.owner != owner:
                raise NotFound(conversation_id)
            row = MessageRow(id=_new_id(), conversation_id=conversation_id, role=role, content=content,
                             mode=mode, sources=sources or [], created_at=_now())
            session.add(row)
            conversation.updated_at = _now()
            return row.id

    def set_feedback(self, owner: str, message_id: str, rating: int, comment: str) -> None:
        with self._db.session() as session:
            message = session.get(MessageRow, message_id)
            conversation = session.get(ConversationRow, message.conversation_id) if message else None
            if message is None or conversation is None or conversation.owner != owner or message.role != "assistant":
                raise NotFound(message_id)
            session.merge(FeedbackRow(message_id=message_id, owner=owner, rating=rating, comment=comment[:4000],
                                      created_at=_now()))

    def delete(self, owner: str, conversation_id: str) -> None:
        self.get(owner, conversation_id)
        with self._db.session() as session:
            ids = select(MessageRow.id).where(MessageRow.conversation_id == conversation_id)
            session.execute(delete(FeedbackRow).where(FeedbackRow.message_id.in_(ids)))
            session.execute(delete(MessageRow).where(MessageRow.conversation_id == conversation_id))
            session.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id))

    def delete_all(self, owner: str) -> int:
        rows = self.list_for(owner, limit=1_000_000)
        for row in rows:
            self.delete(owner, row.id)
        return len(rows)
