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
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

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


def passage_payload(passage: Passage, principal: Principal) -> dict[str, Any]:
    """A passage as `principal` may see it: `source` is relative to the ingested folder; the server path of
    the file is for admins only."""
    payload = asdict(passage)
    if not principal.is_admin:
        del payload["path"]
    return payload


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
    first_chunk_of: dict[str, str]

    def merge(self, other: _Hits) -> None:
        self.passages_dense += other.passages_dense
        self.passages_lexical += other.passages_lexical
        self.openings += other.openings
        self.documents_lexical += other.documents_lexical
        self.document_of.update(other.document_of)
        self.first_chunk_of.update(other.first_chunk_of)

    def best(self, limit: int) -> _Hits:
        return _Hits(_best(self.passages_dense, limit, lambda h: (h.similarity, h.chunk_id)),
                     _best(self.passages_lexical, limit, lambda h: (h.score, h.chunk_id)),
                     _best(self.openings, limit, lambda h: (h.similarity, h.chunk_id)),
                     _best(self.documents_lexical, limit, lambda h: (h.score, h.document_id)), self.document_of,
                     self.first_chunk_of)


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
        limit = self._settings.candidates
        clock = time.perf_counter()
        vector = self._embeddings.embed_query(query)
        timings["embed"] = (time.perf_counter() - clock) * 1000
        clock = time.perf_counter()
        self._kb.sync_vectors(scope)
        # Per collection: the passage vectors, the opening vectors and both BM25 levels, side by side.
        futures = [(name, generation, self._pool.submit(self._kb.dense_search, name, vector, limit),
                    self._pool.submit(self._kb.opening_search, name, vector, limit, generation),
                    self._pool.submit(self._lexical_hits, name, generation, query))
                   for name, generation in scope.items()]
        hits = _Hits([], [], [], [], {}, {})
        for name, generation, dense, openings, lexical in futures:
            hits.merge(self._collection_hits(name, generation, dense.result(), openings.result(), *lexical.result()))
        timings["indexes"] = (time.perf_counter() - clock) * 1000
        return hits.best(limit)

    def _lexical_hits(self, name: str, generation: int, query: str) -> tuple[list[LexicalHit], list[LexicalHit]]:
        limit = self._settings.candidates
        return (self._kb.lexical_search(name, query, limit, generation),
                self._kb.lexical_search(name, query, limit, generation, documents=True))

    def _collection_hits(
        self, name: str, generation: int, dense: list[VectorHit], openings: list[VectorHit],
        lexical: list[LexicalHit], documents: list[LexicalHit],
    ) -> _Hits:
        document_of = self._kb.chunk_documents(name, generation)
        first_chunk_of = self._kb.first_chunks(name, generation)
        # A vector the catalog does not know (left by an interrupted ingestion) is no candidate.
        dense = [hit for hit in dense if hit.chunk_id in document_of]
        openings = [hit for hit in openings if hit.chunk_id in first_chunk_of]
        found = [hit.chunk_id for hit in openings] + [hit.document_id for hit in documents]
        return _Hits(dense, lexical, openings, documents, {hit.chunk_id: document_of[hit.chunk_id] for hit in dense},
                     {document: first_chunk_of[document] for document in found if document in first_chunk_of})

    def _passages(self, ranking: _Ranking, top_k: int) -> list[Passage]:
        documents = ranking.documents()
        ordered = interleave_passages(documents, ranking.chunks_of, self._settings.passages_per_document,
                                      top_k * 3)
        rows = self._kb.passages(ordered)
        passages = [ranking.passage(*rows[chunk_id]) for chunk_id in ordered if chunk_id in rows]
        return passages[:top_k]


def _best(hits: list[_HitT], limit: int, key: Callable[[_HitT], tuple[float, str]]) -> list[_HitT]:
    """Best first; equal scores (to 1e-9: float noise is not an order) by id, so that the same question on
    the same index ranks the same way whatever order the indexes answered in."""
    return sorted(hits, key=lambda hit: _by_score_then_id(*key(hit)))[:limit]


def _by_score_then_id(score: float, identifier: str) -> tuple[float, str]:
    return -round(score, 9), identifier


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
        # Best first: while a new version is being stored, a document briefly has two opening vectors.
        opening = {hit.chunk_id: hit.similarity for hit in reversed(hits.openings)}
        signals = DocumentSignals(best_per_document(dense, document_of), opening,
                                  {hit.document_id: hit.score for hit in hits.documents_lexical})
        chunk_score = reciprocal_rank_fusion(
            [(list(dense), settings.dense_weight), (list(lexical), settings.lexical_weight)], settings.rrf_k
        )
        chunks_of: dict[str, list[str]] = {}
        for chunk_id in sorted(chunk_score, key=lambda chunk: _by_score_then_id(chunk_score[chunk], chunk)):
            chunks_of.setdefault(document_of[chunk_id], []).append(chunk_id)
        # A document found by its opening or its words, with no passage among the candidates: show its start.
        for document, chunk_id in hits.first_chunk_of.items():
            chunks_of.setdefault(document, [chunk_id])
        scores = document_scores(signals, settings.opening_weight, settings.document_lexical_weight)
        return cls(scores, chunks_of, dense, lexical, opening)

    def documents(self) -> list[str]:
        return sorted(self.document_score, key=lambda doc: _by_score_then_id(self.document_score[doc], doc))

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
