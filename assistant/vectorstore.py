"""Dense vectors: one Chroma collection per assistant collection.

A collection is the unit of access (its groups decide who may read it), so a permission-filtered search
queries only the allowed Chroma collections, with no metadata `where` filter on the hot path.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

Metadata = Mapping[str, str | int | float | bool]


@dataclass(frozen=True)
class VectorHit:
    """A stored vector near the query: a passage, or a document's opening (then `chunk_id` is its vector id)."""

    chunk_id: str
    similarity: float


class VectorIndex(Protocol):
    def upsert(
        self, collection: str, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata]
    ) -> None: ...

    def delete(self, collection: str, ids: Sequence[str]) -> None: ...

    def query(self, collection: str, vector: np.ndarray, limit: int) -> list[VectorHit]: ...

    def ids(self, collection: str) -> set[str]: ...

    def vectors(self, collection: str) -> tuple[list[str], np.ndarray]:
        """Every id of the collection and its vector (rows in the same order)."""
        ...

    def update_metadata(self, collection: str, ids: Sequence[str], metadatas: Sequence[Metadata]) -> None: ...

    def drop(self, collection: str) -> None: ...

    def reload(self) -> None:
        """Forget in-memory state and read the store again from disk (writes of other processes)."""
        ...

    def close(self) -> None: ...


def chroma_collection_name(collection: str) -> str:
    """Chroma accepts 3-63 characters of [a-zA-Z0-9._-]; keep a readable prefix plus a unique hash."""
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", collection).strip("-_")[:40] or "c"
    digest = hashlib.sha256(collection.encode()).hexdigest()[:10]
    return f"c-{slug}-{digest}"


class _SharedUse:
    """Operations run side by side; a reopen of the client waits for those in flight and runs alone."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._users = 0
        self._exclusive = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._exclusive)
            self._users += 1
        try:
            yield
        finally:
            with self._condition:
                self._users -= 1
                self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._exclusive)
            self._exclusive = True
            self._condition.wait_for(lambda: self._users == 0)
        try:
            yield
        finally:
            with self._condition:
                self._exclusive = False
                self._condition.notify_all()


def _stale(error: Exception) -> bool:
    """Chroma's error when this process's view misses vectors another process added since it opened."""
    from chromadb.errors import InternalError

    return isinstance(error, InternalError) and "finding id" in str(error)


class ChromaVectorIndex:
    """Chroma's persistent store. Another process's writes are seen after `reload`; until then queries
    answer from this process's view, and reading vectors that another process added fails (so `vectors`
    reloads and reads again)."""

    _WRITE_BATCH = 2000

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._use = _SharedUse()
        self._client = self._open()
        self._collections: dict[str, Any] = {}

    def _open(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        # Opening runs Chroma's own schema migrations: two processes opening a new store at once (the
        # service and its worker, started together by `make run`) race on them ("table collections already
        # exists"). One opening at a time per store, across processes.
        with (self._path / ".open.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                return chromadb.PersistentClient(
                    path=str(self._path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
                )
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def reload(self) -> None:
        with self._use.exclusive():
            # Chroma shares one in-memory system per path in a process; releasing our client drops it
            # (when we were its only user) so that the reopened one reads other processes' writes.
            self._client.close()
            self._collections = {}
            self._client = self._open()

    def close(self) -> None:
        with self._use.exclusive():
            self._client.close()
            self._collections = {}

    def _collection(self, collection: str, create: bool = True) -> Any:
        if collection not in self._collections:
            name = chroma_collection_name(collection)
            if create:
                handle = self._client.get_or_create_collection(
                    name, metadata={"hnsw:space": "cosine", "assistant_collection": collection},
                    embedding_function=None,
                )
            else:
                try:
                    handle = self._client.get_collection(name, embedding_function=None)
                except Exception:  # Chroma raises a backend-specific NotFound type
                    return None
            self._collections[collection] = handle
        return self._collections[collection]

    def upsert(
        self, collection: str, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Metadata]
    ) -> None:
        with self._use.shared():
            handle = self._collection(collection)
            for start in range(0, len(ids), self._WRITE_BATCH):
                end = start + self._WRITE_BATCH
                handle.upsert(
                    ids=list(ids[start:end]),
                    embeddings=vectors[start:end].tolist(),
                    metadatas=[dict(item) for item in metadatas[start:end]],
                )

    def delete(self, collection: str, ids: Sequence[str]) -> None:
        with self._use.shared():
            handle = self._collection(collection, create=False)
            if handle is None or not ids:
                return
            for start in range(0, len(ids), self._WRITE_BATCH):
                handle.delete(ids=list(ids[start : start + self._WRITE_BATCH]))

    def update_metadata(self, collection: str, ids: Sequence[str], metadatas: Sequence[Metadata]) -> None:
        with self._use.shared():
            handle = self._collection(collection, create=False)
            if handle is None:
                return
            for start in range(0, len(ids), self._WRITE_BATCH):
                end = start + self._WRITE_BATCH
                handle.update(ids=list(ids[start:end]), metadatas=[dict(m) for m in metadatas[start:end]])

    def query(self, collection: str, vector: np.ndarray, limit: int) -> list[VectorHit]:
        # Distances only, and no count() first: each extra read costs milliseconds on the hot path.
        with self._use.shared():
            handle = self._collection(collection, create=False)
            if handle is None:
                return []
            result = handle.query(query_embeddings=[vector.tolist()], n_results=limit, include=["distances"])
        ids, distances = result["ids"][0], result["distances"][0]
        return [VectorHit(item, 1.0 - float(distance)) for item, distance in zip(ids, distances, strict=True)]

    def ids(self, collection: str) -> set[str]:
        with self._use.shared():
            handle = self._collection(collection, create=False)
            return set() if handle is None else set(handle.get(include=[])["ids"])

    def vectors(self, collection: str) -> tuple[list[str], np.ndarray]:
        try:
            return self._stored_vectors(collection)
        except Exception as error:
            if not _stale(error):
                raise
        self.reload()
        return self._stored_vectors(collection)

    def _stored_vectors(self, collection: str) -> tuple[list[str], np.ndarray]:
        with self._use.shared():
            handle = self._collection(collection, create=False)
            if handle is None:
                return [], np.zeros((0, 0), dtype=np.float32)
            stored = handle.get(include=["embeddings"])
        return list(stored["ids"]), np.asarray(stored["embeddings"], dtype=np.float32)

    def drop(self, collection: str) -> None:
        with self._use.shared():
            if self._collection(collection, create=False) is not None:
                self._client.delete_collection(chroma_collection_name(collection))
            self._collections.pop(collection, None)
