"""The one retrieval service every feature calls: hybrid (dense + French BM25), fused, permission-filtered.

Documents are ranked first (best passage, opening vector and document-level BM25, see `ranking`), then
their passages (reciprocal rank fusion of the passage-level dense and BM25 rankings).

Permissions are applied before any index is touched: only the collections the principal may read are
searched, so a forbidden passage can never reach a prompt, a citation or a search result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from assistant.catalog import ChunkRow, DocumentRow
from assistant.config import RetrievalSettings
from assistant.embeddings import EmbeddingModel
from assistant.knowledge import KnowledgeBase
from assistant.lexical import LexicalHit
from assistant.principal import Principal
from assistant.ranking import (
    DocumentSignals,
    best_per_document,
    document_scores,
    interleave_passages,
    reciprocal_rank_fusion,
)
from assistant.vectorstore import VectorHit

_HitT = TypeVar("_HitT", VectorHit, LexicalHit)


class UnknownCollection(LookupError):
    """A requested collection does not exist or the principal may not read it (indistinguishable on purpose)."""


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    document_id: str
    collection: str
    title: str
    source: str
    path: str
    page: int | None
    section: str
    text: str
    score: float
    dense_similarity: float | None
    lexical_score: float | None


@dataclass
class SearchResult:
    passages: list[Passage]
    collections: list[str]
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass
class _Hits:
    """Candidates of the four retrievers (openings' ids are document ids), and the document of each passage."""

    passages_dense: list[VectorHit]
    passages_lexical: list[LexicalHit]
    openings: list[VectorHit]
    documents_lexical: list[LexicalHit]
    document_of: dict[str, str]

    def merge(self, other: _Hits) -> None:
        self.passages_dense += other.passages_dense
        self.passages_lexical += other.passages_lexical
        self.openings += other.openings
        self.documents_lexical += other.documents_lexical
        self.document_of.update(other.document_of)

    def best(self, limit: int) -> _Hits:
        return _Hits(_best(self.passages_dense, limit, lambda h: h.similarity),
                     _best(self.passages_lexical, limit, lambda h: h.score),
                     _best(self.openings, limit, lambda h: h.similarity),
                     _best(self.documents_lexical, limit, lambda h: h.score), self.document_of)


class RetrievalService:
    """Searches the readable collections concurrently (the vector store's queries release the GIL)."""

    def __init__(self, knowledge: KnowledgeBase, embeddings: EmbeddingModel, settings: RetrievalSettings) -> None:
        self._kb = knowledge
        self._embeddings = embeddings
        self._settings = settings
        self._pool = ThreadPoolExecutor(max_workers=settings.search_threads, thread_name_prefix="search")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def readable_collections(self, principal: Principal, requested: Sequence[str] | None = None) -> list[str]:
        return list(self._scope(principal, requested))

    def _scope(self, principal: Principal, requested: Sequence[str] | None) -> dict[str, int]:
        """Readable collections (restricted to `requested`) with their catalog generation."""
        rows = self._kb.catalog.collections()
        readable = {row.name: row.generation for row in rows if principal.can_read(row.groups)}
        if not requested:
            return readable
        missing = [name for name in requested if name not in readable]
        if missing:
            raise UnknownCollection(f"unknown collection: {', '.join(missing)}")
        return {name: readable[name] for name in dict.fromkeys(requested)}

    def search(
        self,
        query: str,
        principal: Principal,
        collections: Sequence[str] | None = None,
        top_k: int | None = None,
    ) -> SearchResult:
        """Passages ranked by their document's relevance, then by their own within the document."""
        started = time.perf_counter()
        scope = self._scope(principal, collections)
        top_k = top_k or self._settings.top_k
        timings: dict[str, float] = {}
        if not scope or not query.strip():
            return SearchResult([], list(scope), timings)
        hits = self._candidates(query, scope, timings)
        clock = time.perf_counter()
        ranking = _Ranking.of(hits, self._settings)
        passages = self._passages(ranking, top_k)
        timings["fusion"] = (time.perf_counter() - clock) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        return SearchResult(passages, list(scope), timings)

    def _candidates(self, query: str, scope: dict[str, int], timings: dict[str, float]) -> _Hits:
        clock = time.perf_counter()
        vector = self._embeddings.embed_query(query)
        timings["embed"] = (time.perf_counter() - clock) * 1000
        clock = time.perf_counter()
        self._kb.sync_vectors(scope)
        futures = [self._pool.submit(self._search_collection, name, generation, query, vector)
                   for name, generation in scope.items()]
        hits = _Hits([], [], [], [], {})
        for future in futures:
            hits.merge(future.result())
        timings["indexes"] = (time.perf_counter() - clock) * 1000
        return hits.best(self._settings.candidates)

    def _search_collection(self, name: str, generation: int, query: str, vector: np.ndarray) -> _Hits:
        limit = self._settings.candidates
        document_of = self._kb.chunk_documents(name, generation)
        # A vector the catalog does not know (left by an interrupted ingestion) is no candidate.
        dense = [hit for hit in self._kb.dense_search(name, vector, limit) if hit.chunk_id in document_of]
        return _Hits(
            dense,
            self._kb.lexical_search(name, query, limit, generation),
            self._kb.opening_search(name, vector, limit),
            self._kb.lexical_search(name, query, limit, generation, documents=True),
            {hit.chunk_id: document_of[hit.chunk_id] for hit in dense},
        )

    def _passages(self, ranking: _Ranking, top_k: int) -> list[Passage]:
        documents = ranking.documents()
        missing = [doc for doc in documents[:top_k] if doc not in ranking.chunks_of]
        # A document found by its opening or its words, with no passage among the candidates: show its start.
        for document, chunk_id in self._kb.first_chunks(missing).items():
            ranking.chunks_of[document] = [chunk_id]
        ordered = interleave_passages(documents, ranking.chunks_of, self._settings.passages_per_document,
                                      top_k * 3)
        # Vectors left by an interrupted ingestion are not in the catalog: they are dropped here.
        chunks = self._kb.chunks(ordered)
        rows = self._kb.catalog.documents_by_id(chunk.document_id for chunk in chunks.values())
        passages: list[Passage] = []
        for chunk_id in ordered:
            chunk = chunks.get(chunk_id)
            if chunk is None or chunk.document_id not in rows:
                continue
            passages.append(ranking.passage(chunk, rows[chunk.document_id]))
            if len(passages) == top_k:
                break
        return passages


def _best(hits: list[_HitT], limit: int, key: Callable[[_HitT], float]) -> list[_HitT]:
    return sorted(hits, key=key, reverse=True)[:limit]


@dataclass
class _Ranking:
    document_score: dict[str, float]
    chunks_of: dict[str, list[str]]
    dense: dict[str, float]
    lexical: dict[str, float]
    opening: dict[str, float]

    @classmethod
    def of(cls, hits: _Hits, settings: RetrievalSettings) -> _Ranking:
        dense = {hit.chunk_id: hit.similarity for hit in hits.passages_dense}
        lexical = {hit.chunk_id: hit.score for hit in hits.passages_lexical}
        document_of = dict(hits.document_of)
        document_of.update({hit.chunk_id: hit.document_id for hit in hits.passages_lexical})
        opening = {hit.chunk_id: hit.similarity for hit in hits.openings}
        signals = DocumentSignals(best_per_document(dense, document_of), opening,
                                  {hit.document_id: hit.score for hit in hits.documents_lexical})
        chunk_score = reciprocal_rank_fusion(
            [(list(dense), settings.dense_weight), (list(lexical), settings.lexical_weight)], settings.rrf_k
        )
        chunks_of: dict[str, list[str]] = {}
        for chunk_id in sorted(chunk_score, key=chunk_score.__getitem__, reverse=True):
            chunks_of.setdefault(document_of[chunk_id], []).append(chunk_id)
        scores = document_scores(signals, settings.opening_weight, settings.document_lexical_weight)
        return cls(scores, chunks_of, dense, lexical, opening)

    def documents(self) -> list[str]:
        return sorted(self.document_score, key=self.document_score.__getitem__, reverse=True)

    def passage(self, chunk: ChunkRow, document: DocumentRow) -> Passage:
        # A passage reached through its document's opening is as close to the question as that opening.
        similarity = self.dense.get(chunk.id, self.opening.get(document.id))
        return _passage(chunk, document, self.document_score.get(document.id, 0.0), similarity,
                        self.lexical.get(chunk.id))


def _passage(
    chunk: ChunkRow, document: DocumentRow, score: float, dense: float | None, lexical: float | None
) -> Passage:
    return Passage(
        chunk_id=chunk.id,
        document_id=document.id,
        collection=document.collection,
        title=document.title,
        source=document.source_name,
        path=document.path,
        page=chunk.page,
        section=chunk.section,
        text=chunk.text,
        score=score,
        dense_similarity=dense,
        lexical_score=lexical,
    )
