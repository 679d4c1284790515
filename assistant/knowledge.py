"""The knowledge base: the catalog plus the two indexes derived from it, kept consistent.

Write order for a document (the catalog commit is the single commit point):
1. upsert the new chunks' vectors (their ids carry the content hash, so they never overwrite live ones);
2. commit the catalog: the document now points to its new chunks, atomically;
3. delete the replaced vectors.
A crash between steps leaves only orphan vectors, which searches ignore (they are not in the catalog) and
`reconcile` deletes. The lexical index is stamped with the catalog generation and rebuilt when stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.catalog import Catalog, ChunkRow, ChunkToStore, CollectionRow, DocumentToStore
from assistant.database import Database
from assistant.lexical import LexicalHit, LexicalIndex
from assistant.vectorstore import ChromaVectorIndex, Metadata, VectorHit, VectorIndex


@dataclass(frozen=True)
class StoredChunk:
    chunk: ChunkToStore
    vector: np.ndarray


def _group_tag(groups: Sequence[str]) -> str:
    return "|" + "|".join(sorted(groups)) + "|" if groups else "|*|"


class KnowledgeBase:
    def __init__(self, catalog: Catalog, vectors: VectorIndex, lexical: LexicalIndex) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.lexical = lexical
        # Catalog generation each collection's vectors were last known to match, in this process.
        self._vector_generation: dict[str, int] = {}

    @classmethod
    def open(cls, data_dir: Path, database: Database) -> KnowledgeBase:
        database.create_schema()
        return cls(Catalog(database), ChromaVectorIndex(data_dir / "chroma"), LexicalIndex(data_dir / "lexical"))

    def store_document(self, document: DocumentToStore, chunks: Sequence[StoredChunk]) -> int:
        """Index a document's new version atomically; returns the number of chunks replaced."""
        collection = self.catalog.collection(document.collection)
        groups = collection.groups if collection else []
        metadatas = [self._metadata(document, item.chunk, groups) for item in chunks]
        if chunks:
            vectors = np.vstack([item.vector for item in chunks])
            self.vectors.upsert(document.collection, [item.chunk.id for item in chunks], vectors, metadatas)
        replaced = self.catalog.commit_document(document, [item.chunk for item in chunks])
        self.vectors.delete(document.collection, replaced)
        self._vector_generation[document.collection] = self.catalog.generation(document.collection)
        return len(replaced)

    def remove_document(self, document_id: str) -> bool:
        document = self.catalog.document(document_id)
        if document is None:
            return False
        removed = self.catalog.remove_document(document_id)
        self.vectors.delete(document.collection, removed)
        self._vector_generation[document.collection] = self.catalog.generation(document.collection)
        return True

    def set_collection_groups(self, name: str, groups: Sequence[str]) -> CollectionRow:
        """Change who may read a collection, without re-embedding anything."""
        row = self.catalog.ensure_collection(name, groups)
        ids = sorted(self.catalog.chunk_ids(name))
        tag = _group_tag(row.groups)
        self.vectors.update_metadata(name, ids, [{"groups": tag} for _ in ids])
        return row

    def reconcile(self, collection: str) -> int:
        """Delete vectors that the catalog does not know (left by an interrupted ingestion)."""
        orphans = sorted(self.vectors.ids(collection) - self.catalog.chunk_ids(collection))
        self.vectors.delete(collection, orphans)
        return len(orphans)

    def refresh_lexical(self, collection: str) -> None:
        generation = self.catalog.generation(collection)
        self.lexical.rebuild(collection, generation, self.catalog.chunk_texts(collection))

    def dense_search(
        self, collection: str, vector: np.ndarray, limit: int, generation: int | None = None
    ) -> list[VectorHit]:
        """`generation`: the collection's catalog generation, when the caller already has it."""
        generation = self.catalog.generation(collection) if generation is None else generation
        known = self._vector_generation.setdefault(collection, generation)
        if known != generation:
            # Another process (an `assistant ingest` beside the service) changed the collection:
            # reopen the vector store so that its writes become visible here.
            self.vectors.reload()
            self._vector_generation.clear()
            self._vector_generation[collection] = generation
        return self.vectors.query(collection, vector, limit)

    def lexical_search(
        self, collection: str, query: str, limit: int, generation: int | None = None
    ) -> list[LexicalHit]:
        generation = self.catalog.generation(collection) if generation is None else generation
        return self.lexical.search(collection, generation, query, limit, self.catalog.chunk_texts)

    def chunks(self, ids: Sequence[str]) -> dict[str, ChunkRow]:
        return self.catalog.chunks_by_id(ids)

    @staticmethod
    def _metadata(document: DocumentToStore, chunk: ChunkToStore, groups: Sequence[str]) -> Metadata:
        metadata: dict[str, str | int | float | bool] = {
            "document_id": document.id,
            "collection": document.collection,
            "groups": _group_tag(groups),
            "title": document.title[:500],
            "source": document.source_name,
            "path": document.path,
            "content_hash": document.content_hash,
            "section": chunk.section,
            "ordinal": chunk.ordinal,
        }
        if chunk.page is not None:
            metadata["page"] = chunk.page
        return metadata
