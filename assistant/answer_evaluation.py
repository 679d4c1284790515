"""Answer evaluation: does the answer an agent reads hold the annotated answer of the question?

An annotation file (YAML) lists questions with the document that answers them and the sentence(s) or
table cell copied from it. An answer counts when it contains at least half of the annotated answer's words
(distinct words, lower case without accents, French stop words left out: "de", "la", "les"... would match
almost any text). Retrieval is included: each question goes through the service's own search, and the two
baselines read the same retrieved passages:
- `first_sentences`: the first three sentences of the best-ranked document;
- `similar_sentences`: the three sentences of the retrieved passages most similar to the question (e5).
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.chat.extractive import candidate_sentences
from assistant.chat.service import ChatRequest, ChatService
from assistant.embeddings import EmbeddingModel
from assistant.evaluation import EvaluationError
from assistant.knowledge import KnowledgeBase
from assistant.principal import Principal
from assistant.retrieval import Passage, RetrievalService

THRESHOLD = 0.5
SYSTEMS = ("answer", "first_sentences", "similar_sentences")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")


@dataclass(frozen=True)
class AnnotatedQuestion:
    question: str
    source: str  # the answering document, as its path relative to the ingested folder
    answer: str  # copied from the document


@dataclass
class AnswerReport:
    questions: int = 0
    scores: dict[str, float] = field(default_factory=dict)  # share of questions answered, per system
    cited_source: float = 0.0  # the annotated document is among the answer's cited sources
    misses: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"questions": self.questions, **{k: round(v, 4) for k, v in self.scores.items()},
                "cited_source": round(self.cited_source, 4)}


def load_annotations(path: Path) -> list[AnnotatedQuestion]:
    """`questions: [{question, source, answer}, ...]`; a bad entry is named by its position."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise EvaluationError(f"{path}: not valid YAML ({exc})") from exc
    entries = loaded.get("questions") if isinstance(loaded, dict) else None
    if not isinstance(entries, list) or not entries:
        raise EvaluationError(f"{path}: expected a non-empty list under `questions:`")
    annotated = []
    for number, entry in enumerate(entries, start=1):
        values = [entry.get(key) if isinstance(entry, dict) else None for key in ("question", "source", "answer")]
        if not all(isinstance(value, str) and value.strip() for value in values):
            raise EvaluationError(f"{path}: question {number}: question, source and answer must be non-empty texts")
        annotated.append(AnnotatedQuestion(*(" ".join(str(value).split()) for value in values)))
    return annotated


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_FRENCH

    return frozenset(_fold(word) for word in STOPWORDS_FRENCH)


def answer_words(text: str) -> set[str]:
    return {word for word in re.findall(r"\w+", _fold(text)) if word not in _stop_words()}


def contains_answer(text: str, annotated: str, threshold: float = THRESHOLD) -> bool:
    wanted = answer_words(annotated)
    return bool(wanted) and len(wanted & answer_words(text)) / len(wanted) >= threshold


def sentences(text: str) -> list[str]:
    return [s for s in (" ".join(part.split()) for part in _SENTENCE.split(text)) if s]


class Baselines:
    """The two baselines, over the passages the service's search returned."""

    def __init__(self, knowledge: KnowledgeBase, embeddings: EmbeddingModel) -> None:
        self._knowledge, self._embeddings = knowledge, embeddings

    def first_sentences(self, passages: Sequence[Passage]) -> str:
        if not passages:
            return ""
        best = passages[0]
        first_chunk = self._knowledge.first_chunks(best.collection).get(best.document_id)
        rows = self._knowledge.chunks([first_chunk]) if first_chunk else {}
        text = rows[first_chunk].text if first_chunk in rows else best.text
        return " ".join(sentences(text)[:3])

    def similar_sentences(self, question: str, passages: Sequence[Passage]) -> str:
        candidates = [candidate.text for candidate in candidate_sentences(passages)]
        if not candidates:
            return ""
        scores = self._embeddings.embed_passages(candidates) @ self._embeddings.embed_query(question)
        return " ".join(candidates[int(i)] for i in np.argsort(-scores)[:3])


def _service_answer(chat: ChatService, question: str, collections: Sequence[str] | None) -> dict[str, Any]:
    request = ChatRequest(question, None, collections, "extractive", history=[], persist=False)

    async def collect() -> dict[str, Any]:
        result: dict[str, Any] = {}
        async for event in chat.stream(Principal.operator(), request):
            if event.kind in ("sources", "done"):
                result.update(event.data)
        return result

    return asyncio.run(collect())


def _is_source(source: str, annotated: str) -> bool:
    return source == annotated or Path(source).name == Path(annotated).name


def evaluate_answers(
    chat: ChatService, retrieval: RetrievalService, baselines: Baselines, items: Sequence[AnnotatedQuestion],
    collections: Sequence[str] | None = None, top_k: int = 5,
    progress: Callable[[int], None] | None = None,
) -> AnswerReport:
    """The service's answer (extractive), and both baselines over the same search (`top_k` passages)."""
    hits = dict.fromkeys(SYSTEMS, 0)
    cited = 0
    report = AnswerReport(questions=len(items))
    for index, item in enumerate(items):
        result = _service_answer(chat, item.question, collections)
        passages = retrieval.search(item.question, Principal.operator(), collections, top_k).passages
        texts = {"answer": str(result.get("answer", "")),
                 "first_sentences": baselines.first_sentences(passages),
                 "similar_sentences": baselines.similar_sentences(item.question, passages)}
        found = {system: contains_answer(text, item.answer) for system, text in texts.items()}
        for system, hit in found.items():
            hits[system] += hit
        cited_sources = [name for s in result.get("sources", []) if s["number"] in result.get("citations", [])
                         for name in [s["source"], *(copy["source"] for copy in s.get("also_at", []))]]
        cited += any(_is_source(source, item.source) for source in cited_sources)
        if not found["answer"]:
            report.misses.append({"question": item.question, "source": item.source, "expected": item.answer,
                                  "answer": texts["answer"], "cited": cited_sources})
        if progress is not None:
            progress(index + 1)
    total = max(1, len(items))
    report.scores = {system: count / total for system, count in hits.items()}
    report.cited_source = cited / total
    return report
