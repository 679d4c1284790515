"""The knowledge base: the catalog plus the two indexes derived from it, kept consistent.

Write order for a document (the catalog commit is the single commit point):
1. upsert the new chunks' vectors (their ids carry the content hash, so they never overwrite live ones);
2. commit the catalog: the document now points to its new chunks, atomically;
3. delete the replaced vectors.
A crash between steps leaves only orphan vectors, which searches ignore (they are not in the catalog) and
`reconcile` deletes. The original's copy (`assistant.originals`) is written before step 1 and deleted
once no document references it (a replaced or removed version; `reconcile` for a crash's leftovers).
The lexical index is stamped with the catalog generation and rebuilt when stale.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.catalog import Catalog, ChunkRow, ChunkToStore, CollectionRow, DocumentRow, DocumentToStore
from assistant.database import Database
from assistant.lexical import LexicalHit, LexicalIndex
from assistant.originals import OriginalsStore
from assistant.ranking import top_indices
from assistant.vectorstore import ChromaVectorIndex, Metadata, VectorHit, VectorIndex


@dataclass(frozen=True)
class StoredChunk:
    chunk: ChunkToStore
    vector: np.ndarray


def _group_tag(groups: Sequence[str]) -> str:
    return "|" + "|".join(sorted(groups)) + "|" if groups else "|*|"


def openings_key(collection: str) -> str:
    """The vector collection holding one opening vector per document of `collection` (NUL: no name clash)."""
    return f"\x00openings:{collection}"


def opening_id(document_id: str, content_hash: str) -> str:
    # Versioned like chunk ids, so that a new version's vector never overwrites the live one.
    return f"{document_id}-{content_hash[:12]}"


def opening_document(vector_id: str) -> str:
    return vector_id.rsplit("-", 1)[0]


# An unreferenced copy younger than this may belong to an ingestion still running in another process.
ORIGINALS_GRACE_S = 6 * 3600.0


class _Openings:
    """A collection's opening vectors in memory, unit-normalised, as of a catalog generation."""

    def __init__(self, generation: int, documents: list[str], matrix: np.ndarray | None) -> None:
        self.generation = generation
        self.documents = documents
        self.matrix = None if matrix is None else matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    def nearest(self, vector: np.ndarray, limit: int) -> list[VectorHit]:
        if self.matrix is None:
            return []
        similarities = self.matrix @ (vector / np.linalg.norm(vector))
        return [VectorHit(self.documents[i], float(similarities[i])) for i in top_indices(similarities, limit)]


class KnowledgeBase:
    def __init__(
        self, catalog: Catalog, vectors: VectorIndex, lexical: LexicalIndex, originals: OriginalsStore,
        vectors_as_of: Mapping[str, int] | None = None,
    ) -> None:
        """`vectors_as_of`: each collection's catalog generation, read before `vectors` was opened."""
        self.catalog = catalog
        self.vectors = vectors
        self.lexical = lexical
        self.originals = originals
        # The catalog generation of each collection that this process's view of the vectors includes; a
        # collection missing here (created since) or at another generation means: reopen the view.
        self._vector_generation: dict[str, int] = dict(vectors_as_of or {})
        self._sync_lock = threading.Lock()
        self._openings: dict[str, _Openings] = {}

    @classmethod
    def open(cls, data_dir: Path, database: Database) -> KnowledgeBase:
        database.create_schema()
        catalog = Catalog(database)
        as_of = catalog.generations()  # before the vectors open: a write in between is seen as a change
        return cls(catalog, ChromaVectorIndex(data_dir / "chroma"), LexicalIndex(data_dir / "lexical"),
                   OriginalsStore(data_dir / "originals"), as_of)

    def store_document(
        self, document: DocumentToStore, chunks: Sequence[StoredChunk], opening: np.ndarray | None = None
    ) -> int:
        """Index a document's new version atomically; returns the number of chunks replaced.

        `opening`: the vector of the document's opening (title and first lines), used to rank documents."""
        collection = self.catalog.collection(document.collection)
        groups = collection.groups if collection else []
        previous = self.catalog.document(document.id)
        metadatas = [self._metadata(document, item.chunk, groups) for item in chunks]
        if chunks:
            vectors = np.vstack([item.vector for item in chunks])
            self.vectors.upsert(document.collection, [item.chunk.id for item in chunks], vectors, metadatas)
        new_opening = opening_id(document.id, document.content_hash)
        if opening is not None:
            self.vectors.upsert(openings_key(document.collection), [new_opening], opening[None, :],
                                [self._opening_metadata(document, groups)])
        replaced = self.catalog.commit_document(document, [item.chunk for item in chunks])
        self.vectors.delete(document.collection, replaced)
        if previous is not None and opening_id(previous.id, previous.content_hash) != new_opening:
            self.vectors.delete(openings_key(document.collection), [opening_id(previous.id, previous.content_hash)])
        if previous is not None and previous.content_hash != document.content_hash:
            self.release_original(previous.content_hash)
        self._saw_own_write(document.collection)
        return len(replaced)

    def _saw_own_write(self, collection: str) -> None:
        """Our view includes our own write: still in sync, unless another process wrote too meanwhile."""
        with self._sync_lock:
            known = self._vector_generation.get(collection)
            if known is not None and self.catalog.generation(collection) == known + 1:
                self._vector_generation[collection] = known + 1

    def release_original(self, content_hash: str) -> bool:
        """Delete the copy of an original once no document references it; True when it was deleted."""
        if self.catalog.references(content_hash) or not self.originals.has(content_hash):
            return False
        self.originals.remove(content_hash)
        return True

    def remove_document(self, document_id: str) -> bool:
        document = self.catalog.document(document_id)
        if document is None:
            return False
        removed = self.catalog.remove_document(document_id)
        self.vectors.delete(document.collection, removed)
        self.vectors.delete(openings_key(document.collection), [opening_id(document.id, document.content_hash)])
        self.release_original(document.content_hash)
        self._saw_own_write(document.collection)
        return True

    def set_collection_groups(self, name: str, groups: Sequence[str]) -> CollectionRow:
        """Change who may read a collection, without re-embedding anything."""
        row = self.catalog.ensure_collection(name, groups)
        ids = sorted(self.catalog.chunk_ids(name))
        tag = _group_tag(row.groups)
        self.vectors.update_metadata(name, ids, [{"groups": tag} for _ in ids])
        openings = sorted(self.vectors.ids(openings_key(name)))
        self.vectors.update_metadata(openings_key(name), openings, [{"groups": tag} for _ in openings])
        return row

    def reconcile(self, collection: str) -> int:
        """Delete vectors that the catalog does not know (left by an interrupted ingestion), and old copies
        of originals that no document references."""
        orphans = sorted(self.vectors.ids(collection) - self.catalog.chunk_ids(collection))
        self.vectors.delete(collection, orphans)
        live = {opening_id(row.id, row.content_hash) for row in self.catalog.documents(collection)}
        stale = sorted(self.vectors.ids(openings_key(collection)) - live)
        self.vectors.delete(openings_key(collection), stale)
        copies = self.originals.sweep(self.catalog.content_hashes(), ORIGINALS_GRACE_S)
        return len(orphans) + len(stale) + len(copies)

    def refresh_lexical(self, collection: str) -> None:
        generation = self.catalog.generation(collection)
        self.lexical.rebuild(collection, generation, self.catalog.lexical_source(collection))

    def sync_vectors(self, generations: Mapping[str, int]) -> None:
        """Make other processes' writes visible before searching the collections (name -> catalog generation).

        Call it before querying collections concurrently: it may reopen the vector store (after the
        queries in flight)."""
        with self._sync_lock:
            if all(self._vector_generation.get(name) == generation for name, generation in generations.items()):
                return
            # Another process (a worker, an `assistant ingest`) changed or created these collections.
            as_of = self.catalog.generations()
            self.vectors.reload()
            self._vector_generation = as_of

    def dense_search(self, collection: str, vector: np.ndarray, limit: int) -> list[VectorHit]:
        return self.vectors.query(collection, vector, limit)

    def opening_search(
        self, collection: str, vector: np.ndarray, limit: int, generation: int | None = None
    ) -> list[VectorHit]:
        """Documents whose opening is closest to `vector` (cosine): hit ids are document ids."""
        generation = self.catalog.generation(collection) if generation is None else generation
        openings = self._openings.get(collection)
        if openings is None or openings.generation != generation:
            openings = self._load_openings(collection, generation)
        return openings.nearest(vector, limit)

    def _load_openings(self, collection: str, generation: int) -> _Openings:
        # One vector per document: a matrix product is faster than a vector-store query, and the catalog
        # filter drops the previous version's vector that a concurrent ingestion has not deleted yet.
        ids, matrix = self.vectors.vectors(openings_key(collection))
        live = {opening_id(row.id, row.content_hash) for row in self.catalog.documents(collection)}
        keep = [i for i, vector_id in enumerate(ids) if vector_id in live]
        openings = _Openings(generation, [opening_document(ids[i]) for i in keep], matrix[keep] if keep else None)
        self._openings[collection] = openings
        return openings

    def lexical_search(
        self, collection: str, query: str, limit: int, generation: int | None = None, documents: bool = False
    ) -> list[LexicalHit]:
        """BM25 over passages, or over whole documents (`documents=True`: hits carry document ids)."""
        generation = self.catalog.generation(collection) if generation is None else generation
        return self.lexical.search(collection, generation, query, limit, self.catalog.lexical_source, documents)

    def chunk_documents(self, collection: str, generation: int | None = None) -> Mapping[str, str]:
        """Chunk id -> document id for every chunk of the collection, as indexed at `generation`."""
        generation = self.catalog.generation(collection) if generation is None else generation
        return self.lexical.chunk_documents(collection, generation, self.catalog.lexical_source)

    def first_chunks(self, collection: str, generation: int | None = None) -> Mapping[str, str]:
        """Document id -> its first chunk in reading order, for every document of the collection."""
        generation = self.catalog.generation(collection) if generation is None else generation
        return self.lexical.first_chunks(collection, generation, self.catalog.lexical_source)

    def chunks(self, ids: Sequence[str]) -> dict[str, ChunkRow]:
        return self.catalog.chunks_by_id(ids)

    def passages(self, chunk_ids: Sequence[str]) -> dict[str, tuple[ChunkRow, DocumentRow]]:
        return self.catalog.chunks_with_documents(chunk_ids)

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

    @staticmethod
    def _opening_metadata(document: DocumentToStore, groups: Sequence[str]) -> Metadata:
        return {"document_id": document.id, "collection": document.collection, "groups": _group_tag(groups),
                "title": document.title[:500], "content_hash": document.content_hash}
