"""The one retrieval service every feature calls: hybrid (dense + French BM25), fused, permission-filtered.

Permissions are applied before any index is touched: only the collections the principal may read are
searched, so a forbidden passage can never reach a prompt, a citation or a search result.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.catalog import ChunkRow, DocumentRow
from assistant.config import RetrievalSettings
from assistant.embeddings import EmbeddingModel
from assistant.knowledge import KnowledgeBase
from assistant.principal import Principal


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


def reciprocal_rank_fusion(rankings: Sequence[tuple[Sequence[str], float]], k: int) -> dict[str, float]:
    """Fuse ranked id lists, each with a weight: score = sum(weight / (k + rank))."""
    fused: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, item in enumerate(ids, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


class RetrievalService:
    def __init__(self, knowledge: KnowledgeBase, embeddings: EmbeddingModel, settings: RetrievalSettings) -> None:
        self._kb = knowledge
        self._embeddings = embeddings
        self._settings = settings

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
        started = time.perf_counter()
        scope = self._scope(principal, collections)
        top_k = top_k or self._settings.top_k
        timings: dict[str, float] = {}
        if not scope or not query.strip():
            return SearchResult([], list(scope), timings)
        dense, lexical = self._candidates(query, scope, timings)
        fused = reciprocal_rank_fusion(
            [
                (sorted(dense, key=dense.__getitem__, reverse=True), self._settings.dense_weight),
                (sorted(lexical, key=lexical.__getitem__, reverse=True), self._settings.lexical_weight),
            ],
            self._settings.rrf_k,
        )
        ranked = sorted(fused, key=fused.__getitem__, reverse=True)
        passages = self._passages(ranked, fused, dense, lexical, top_k)
        timings["total"] = (time.perf_counter() - started) * 1000
        return SearchResult(passages, list(scope), timings)

    def _candidates(
        self, query: str, scope: dict[str, int], timings: dict[str, float]
    ) -> tuple[dict[str, float], dict[str, float]]:
        limit = self._settings.candidates
        clock = time.perf_counter()
        vector = self._embeddings.embed_query(query)
        timings["embed"] = (time.perf_counter() - clock) * 1000
        clock = time.perf_counter()
        dense_hits = [hit for name, gen in scope.items() for hit in self._kb.dense_search(name, vector, limit, gen)]
        dense_hits.sort(key=lambda hit: hit.similarity, reverse=True)
        timings["dense"] = (time.perf_counter() - clock) * 1000
        clock = time.perf_counter()
        lexical_hits = [hit for name, gen in scope.items() for hit in self._kb.lexical_search(name, query, limit, gen)]
        lexical_hits.sort(key=lambda hit: hit.score, reverse=True)
        timings["lexical"] = (time.perf_counter() - clock) * 1000
        dense = {hit.chunk_id: hit.similarity for hit in dense_hits[:limit]}
        lexical = {hit.chunk_id: hit.score for hit in lexical_hits[:limit]}
        return dense, lexical

    def _passages(
        self,
        ranked: list[str],
        fused: dict[str, float],
        dense: dict[str, float],
        lexical: dict[str, float],
        top_k: int,
    ) -> list[Passage]:
        # Vectors left by an interrupted ingestion are not in the catalog: they are dropped here.
        chunks = self._kb.chunks(ranked[: top_k * 3])
        documents = self._kb.catalog.documents_by_id(chunk.document_id for chunk in chunks.values())
        passages: list[Passage] = []
        for chunk_id in ranked:
            chunk = chunks.get(chunk_id)
            if chunk is None or chunk.document_id not in documents:
                continue
            passages.append(
                _passage(chunk, documents[chunk.document_id], fused[chunk_id], dense.get(chunk_id),
                         lexical.get(chunk_id))
            )
            if len(passages) == top_k:
                break
        return passages


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
