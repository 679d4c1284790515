"""The catalog: collections, documents and chunks in the relational store.

It is the source of truth. A document's chunks count as indexed once `commit_document` has committed;
the vector and lexical indexes are derived from it and are reconciled against it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.database import Base, Database


def _now() -> datetime:
    return datetime.now(UTC)


class CollectionRow(Base):
    __tablename__ = "collections"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    collection: Mapped[str] = mapped_column(ForeignKey("collections.name", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(String(500), index=True)
    title: Mapped[str] = mapped_column(Text)
    file_type: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)  # files over 2 GiB: PostgreSQL's integer is 32-bit
    page_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ChunkRow(Base):
    __tablename__ = "chunks"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    collection: Mapped[str] = mapped_column(String(200), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    indexed_text: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    section: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class ChunkToStore:
    id: str
    ordinal: int
    text: str
    indexed_text: str
    page: int | None
    section: str


@dataclass(frozen=True)
class DocumentToStore:
    id: str
    collection: str
    path: str
    source_name: str
    title: str
    file_type: str
    content_hash: str
    size_bytes: int
    page_count: int | None


def document_id_for(collection: str, path: str) -> str:
    """Stable across re-ingestions of the same file into the same collection."""
    return "d" + hashlib.sha256(json.dumps([collection, path]).encode()).hexdigest()[:20]


class Catalog:
    def __init__(self, database: Database) -> None:
        self._db = database

    def ensure_collection(self, name: str, groups: Sequence[str] | None) -> CollectionRow:
        """Create the collection if needed; `groups=None` keeps the existing ones."""
        with self._db.session() as session:
            row = session.get(CollectionRow, name)
            if row is None:
                row = CollectionRow(name=name, groups=sorted(set(groups or [])), generation=0)
                session.add(row)
            elif groups is not None and sorted(set(groups)) != row.groups:
                row.groups = sorted(set(groups))
                row.generation += 1
            session.flush()
            session.expunge(row)
            return row

    def collections(self) -> list[CollectionRow]:
        with self._db.session() as session:
            rows = list(session.scalars(select(CollectionRow).order_by(CollectionRow.name)))
            session.expunge_all()
            return rows

    def collection(self, name: str) -> CollectionRow | None:
        with self._db.session() as session:
            row = session.get(CollectionRow, name)
            if row is not None:
                session.expunge(row)
            return row

    def document(self, document_id: str) -> DocumentRow | None:
        with self._db.session() as session:
            row = session.get(DocumentRow, document_id)
            if row is not None:
                session.expunge(row)
            return row

    def documents(self, collection: str | None = None) -> list[DocumentRow]:
        query = select(DocumentRow).order_by(DocumentRow.collection, DocumentRow.path)
        if collection is not None:
            query = query.where(DocumentRow.collection == collection)
        with self._db.session() as session:
            rows = list(session.scalars(query))
            session.expunge_all()
            return rows

    def content_hashes(self) -> set[str]:
        """The content hash of every document, in every collection (the originals still referenced)."""
        with self._db.session() as session:
            return set(session.scalars(select(DocumentRow.content_hash).distinct()))

    def references(self, content_hash: str) -> int:
        """How many documents, in any collection, have this content."""
        query = select(func.count()).select_from(DocumentRow).where(DocumentRow.content_hash == content_hash)
        with self._db.session() as session:
            return int(session.scalar(query) or 0)

    def chunk_ids(self, collection: str) -> set[str]:
        with self._db.session() as session:
            return set(session.scalars(select(ChunkRow.id).where(ChunkRow.collection == collection)))

    def chunks_by_id(self, ids: Iterable[str]) -> dict[str, ChunkRow]:
        wanted = list(ids)
        if not wanted:
            return {}
        with self._db.session() as session:
            rows = list(session.scalars(select(ChunkRow).where(ChunkRow.id.in_(wanted))))
            session.expunge_all()
            return {row.id: row for row in rows}

    def chunk_texts(self, collection: str) -> list[tuple[str, str]]:
        """(chunk id, indexed text) of every chunk of a collection, in a stable order."""
        query = select(ChunkRow.id, ChunkRow.indexed_text).where(ChunkRow.collection == collection)
        with self._db.session() as session:
            return [(row[0], row[1]) for row in session.execute(query.order_by(ChunkRow.id))]

    def lexical_source(self, collection: str) -> list[tuple[str, str, str, str]]:
        """(chunk id, document id, indexed text, text) of every chunk, by document then reading order."""
        query = (
            select(ChunkRow.id, ChunkRow.document_id, ChunkRow.indexed_text, ChunkRow.text)
            .where(ChunkRow.collection == collection)
            .order_by(ChunkRow.document_id, ChunkRow.ordinal)
        )
        with self._db.session() as session:
            return [(row[0], row[1], row[2], row[3]) for row in session.execute(query)]

    def chunks_with_documents(self, ids: Iterable[str]) -> dict[str, tuple[ChunkRow, DocumentRow]]:
        """Chunks and their documents in one query (the search's hot path)."""
        wanted = list(ids)
        if not wanted:
            return {}
        query = select(ChunkRow, DocumentRow).join(DocumentRow, ChunkRow.document_id == DocumentRow.id)
        with self._db.session() as session:
            rows = [(chunk, document) for chunk, document in session.execute(query.where(ChunkRow.id.in_(wanted)))]
            session.expunge_all()
            return {chunk.id: (chunk, document) for chunk, document in rows}

    def commit_document(self, document: DocumentToStore, chunks: Sequence[ChunkToStore]) -> list[str]:
        """Atomically make `chunks` the document's content; returns the ids of the chunks replaced."""
        with self._db.session() as session:
            old_ids = list(session.scalars(select(ChunkRow.id).where(ChunkRow.document_id == document.id)))
            session.execute(delete(ChunkRow).where(ChunkRow.document_id == document.id))
            session.merge(DocumentRow(**document.__dict__, chunk_count=len(chunks), ingested_at=_now()))
            session.flush()
            session.add_all(
                ChunkRow(document_id=document.id, collection=document.collection, **chunk.__dict__)
                for chunk in chunks
            )
            self._bump_generation(session, document.collection)
        new_ids = {chunk.id for chunk in chunks}
        return [chunk_id for chunk_id in old_ids if chunk_id not in new_ids]

    def remove_document(self, document_id: str) -> list[str]:
        """Delete a document and its chunks; returns the removed chunk ids."""
        with self._db.session() as session:
            row = session.get(DocumentRow, document_id)
            if row is None:
                return []
            ids = list(session.scalars(select(ChunkRow.id).where(ChunkRow.document_id == document_id)))
            session.execute(delete(ChunkRow).where(ChunkRow.document_id == document_id))
            session.delete(row)
            self._bump_generation(session, row.collection)
            return ids

    def generation(self, collection: str) -> int:
        with self._db.session() as session:
            value = session.scalar(select(CollectionRow.generation).where(CollectionRow.name == collection))
            return int(value or 0)

    def generations(self) -> dict[str, int]:
        """The generation of every collection."""
        with self._db.session() as session:
            return {name: int(generation) for name, generation in
                    session.execute(select(CollectionRow.name, CollectionRow.generation))}

    def counts(self) -> dict[str, int]:
        with self._db.session() as session:
            return {
                "collections": session.scalar(select(func.count()).select_from(CollectionRow)) or 0,
                "documents": session.scalar(select(func.count()).select_from(DocumentRow)) or 0,
                "chunks": session.scalar(select(func.count()).select_from(ChunkRow)) or 0,
            }

    @staticmethod
    def _bump_generation(session: Session, collection: str) -> None:
        session.execute(
            update(CollectionRow)
            .where(CollectionRow.name == collection)
            .values(generation=CollectionRow.generation + 1)
        )
