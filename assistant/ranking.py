"""Score fusion: chunk-level reciprocal rank fusion and document-level standardised score fusion.

Measured on the service-public questions (body only): ranking documents on a mix of their best passage,
the vector of their opening and a document-level BM25, each standardised over the candidates, finds the
right document first far more often than fusing passages alone (see the README's retrieval table).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


def top_indices(scores: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the `limit` highest scores, best first (no full sort)."""
    limit = min(limit, len(scores))
    if limit <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, limit - 1)[:limit]
    return top[np.argsort(-scores[top])]


def reciprocal_rank_fusion(rankings: Sequence[tuple[Sequence[str], float]], k: int) -> dict[str, float]:
    """Fuse ranked id lists, each with a weight: score = sum(weight / (k + rank))."""
    fused: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, item in enumerate(ids, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def standardise(scores: Mapping[str, float], candidates: Sequence[str]) -> dict[str, float]:
    """z-scores over `candidates`; a candidate that a retriever did not return gets that retriever's floor
    (its lowest returned score), since all we know is that it scored no higher."""
    if not scores:
        return dict.fromkeys(candidates, 0.0)
    floor = min(scores.values())
    values = [scores.get(item, floor) for item in candidates]
    mean = statistics.fmean(values)
    spread = statistics.pstdev(values) or 1.0
    return {item: (value - mean) / spread for item, value in zip(candidates, values, strict=True)}


@dataclass(frozen=True)
class DocumentSignals:
    """What the retrievers said about documents: best passage cosine, opening cosine, document BM25."""

    best_passage: dict[str, float]
    opening: dict[str, float]
    lexical: dict[str, float]

    def candidates(self) -> list[str]:
        return list(dict.fromkeys([*self.best_passage, *self.opening, *self.lexical]))


def document_scores(signals: DocumentSignals, opening_weight: float, lexical_weight: float) -> dict[str, float]:
    """z(dense) + lexical_weight * z(BM25), where dense mixes the best passage and the opening cosines."""
    candidates = signals.candidates()
    if not candidates:
        return {}
    passage_floor = min(signals.best_passage.values(), default=0.0)
    opening_floor = min(signals.opening.values(), default=passage_floor)
    dense = {
        doc: (1 - opening_weight) * signals.best_passage.get(doc, passage_floor)
        + opening_weight * signals.opening.get(doc, opening_floor)
        for doc in candidates
    }
    dense_z = standardise(dense, candidates)
    lexical_z = standardise(signals.lexical, candidates)
    return {doc: dense_z[doc] + lexical_weight * lexical_z[doc] for doc in candidates}


def best_per_document(scores: Mapping[str, float], document_of: Mapping[str, str]) -> dict[str, float]:
    best: dict[str, float] = {}
    for item, score in scores.items():
        document = document_of[item]
        if score > best.get(document, float("-inf")):
            best[document] = score
    return best


def interleave_passages(
    documents: Sequence[str], chunks_of: Mapping[str, Sequence[str]], per_document: int, limit: int
) -> list[str]:
    """Chunks in document order, at most `per_document` from each on the first pass, then the rest."""
    ordered: list[str] = []
    for document in documents:
        ordered.extend(chunks_of.get(document, [])[:per_document])
    for document in documents:
        ordered.extend(chunks_of.get(document, [])[per_document:])
    return ordered[:limit]
