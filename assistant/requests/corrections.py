"""Staff corrections, kept in the relational store: each is an example of its category from then on."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.database import Base, Database
from assistant.requests.qualification import Correction


def _now() -> datetime:
    return datetime.now(UTC)


class CorrectionRow(Base):
    __tablename__ = "request_corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    category: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)  # personal data already masked
    corrected_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class CorrectionStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        database.create_schema()

    def add(self, correction: Correction) -> None:
        with self._database.session() as session:
            session.add(CorrectionRow(category=correction.category, text=correction.text,
                                      corrected_by=correction.corrected_by))

    def all(self) -> list[Correction]:
        with self._database.session() as session:
            rows = session.scalars(select(CorrectionRow).order_by(CorrectionRow.id)).all()
            return [Correction(row.text, row.category, row.corrected_by) for row in rows]


class MemoryCorrections:
    """Corrections kept for the process only (evaluation runs, and qualifiers built without a database)."""

    def __init__(self) -> None:
        self._items: list[Correction] = []

    def add(self, correction: Correction) -> None:
        self._items.append(correction)

    def all(self) -> list[Correction]:
        return list(self._items)
