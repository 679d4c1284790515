"""The dataset catalogue in the relational store: name, groups, card, file hash, table file, load time.

Like collections, a dataset carries the groups that may read it (none: every analyst). The table itself is a
DuckDB file under the data directory; `table_file` points at the current one, so replacing a table is one
commit of this row (the new file was written beforehand, the old one is deleted after).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.analysis.cards import DatasetCard
from assistant.database import Base, Database


def _now() -> datetime:
    return datetime.now(UTC)


class DatasetRow(Base):
    __tablename__ = "datasets"
    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    card: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_path: Mapped[str] = mapped_column(Text)
    file_format: Mapped[str] = mapped_column(String(16))
    file_hash: Mapped[str] = mapped_column(String(64))
    card_hash: Mapped[str] = mapped_column(String(64), default="")
    table_file: Mapped[str] = mapped_column(String(200))
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    columns: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


@dataclass(frozen=True)
class Dataset:
    """A catalogue entry, detached from the session."""

    name: str
    groups: list[str]
    card: DatasetCard
    source_path: str
    file_format: str
    file_hash: str
    card_hash: str
    table_file: str
    row_count: int
    columns: list[dict[str, Any]]  # [{"name", "type"}] in table order
    version: int
    loaded_at: datetime

    @property
    def column_names(self) -> list[str]:
        return [column["name"] for column in self.columns]

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.card.title, "groups": self.groups, "rows": self.row_count,
                "vintage": self.card.vintage, "licence": self.card.licence, "level": self.card.level,
                "source": self.source_path, "loaded_at": self.loaded_at.isoformat(), "inferred": self.card.inferred}


def _dataset(row: DatasetRow) -> Dataset:
    loaded = row.loaded_at if row.loaded_at.tzinfo else row.loaded_at.replace(tzinfo=UTC)
    return Dataset(row.name, list(row.groups), DatasetCard.model_validate(row.card), row.source_path,
                   row.file_format, row.file_hash, row.card_hash, row.table_file, int(row.row_count), list(row.columns),
                   row.version, loaded)


class DatasetCatalog:
    def __init__(self, database: Database) -> None:
        self._db = database
        database.create_schema()

    def datasets(self) -> list[Dataset]:
        with self._db.session() as session:
            return [_dataset(row) for row in session.scalars(select(DatasetRow).order_by(DatasetRow.name))]

    def get(self, name: str) -> Dataset | None:
        with self._db.session() as session:
            row = session.get(DatasetRow, name)
            return _dataset(row) if row is not None else None

    def stamp(self) -> tuple[int, int, str]:
        """Changes whenever a dataset is added, replaced, regrouped or removed (cheap: one aggregate query)."""
        query = select(func.count(), func.coalesce(func.sum(DatasetRow.version), 0),
                       func.coalesce(func.max(DatasetRow.loaded_at), None))
        with self._db.session() as session:
            count, versions, latest = session.execute(query).one()
        return int(count), int(versions), str(latest)

    def save(self, dataset: Dataset) -> str | None:
        """Make `dataset` the catalogue's entry in one commit; returns the table file it replaced, if any."""
        with self._db.session() as session:
            row = session.get(DatasetRow, dataset.name)
            previous = row.table_file if row is not None else None
            values = {"groups": dataset.groups, "card": dataset.card.model_dump(mode="json"),
                      "source_path": dataset.source_path, "file_format": dataset.file_format,
                      "file_hash": dataset.file_hash, "card_hash": dataset.card_hash, "table_file": dataset.table_file,
                      "row_count": dataset.row_count, "columns": dataset.columns, "loaded_at": _now()}
            if row is None:
                session.add(DatasetRow(name=dataset.name, version=1, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                row.version += 1
        return previous if previous != dataset.table_file else None

    def set_groups(self, name: str, groups: list[str]) -> Dataset | None:
        with self._db.session() as session:
            row = session.get(DatasetRow, name)
            if row is None:
                return None
            row.groups, row.version = sorted(set(groups)), row.version + 1
            session.flush()
            return _dataset(row)

    def set_card(self, name: str, card: DatasetCard) -> Dataset | None:
        with self._db.session() as session:
            row = session.get(DatasetRow, name)
            if row is None:
                return None
            row.card, row.version = card.model_dump(mode="json"), row.version + 1
            session.flush()
            return _dataset(row)

    def remove(self, name: str) -> Dataset | None:
        with self._db.session() as session:
            row = session.get(DatasetRow, name)
            if row is None:
                return None
            removed = _dataset(row)
            session.delete(row)
            return removed
