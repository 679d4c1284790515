"""Extractive answers: the sentences of the retrieved passages that best answer the question, quoted.

They cannot invent anything, which makes them the right default with a small model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.embeddings import EmbeddingModel
from assistant.lexical import FrenchAnalyzer
from assistant.retrieval import Passage

_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_MIN_WORDS = 4
_MAX_SENTENCE_CHARS = 400
_CELL = " | "
_RANK_DECAY = 0.01  # a sentence from a better-ranked passage wins a near tie
# e5 similarities of short lines (table rows) are close together; the share of the question's words a
# line contains separates "Entrée adulte | 4,50 €" from another row of the same table.
_WORD_OVERLAP_WEIGHT = 0.08


@dataclass(frozen=True)
class Quote:
    text: str
    number: int  # the source's citation number, 1-based
    score: float


@dataclass(frozen=True)
class _Candidate:
    text: str  # what is quoted
    scored: str  # what is compared with the question (a table row with its header)
    number: int


def _units(text: str) -> Iterator[tuple[str, str]]:
    """Sentences, and table rows (`a | b` lines) read with their table's header row."""
    header = ""
    for line in text.split("\n"):
        if _CELL in line:
            if not header:
                header = " ".join(line.split())
                continue
            row = " ".join(line.split())
            yield f"{row} ({header})", f"{header}\n{row}"
            continue
        header = ""
        for sentence in _SENTENCE.split(line):
            sentence = " ".join(sentence.split())
            yield sentence, sentence


def candidate_sentences(
    passages: Sequence[Passage], max_per_passage: int = 25, max_sentences: int = 60
) -> list[_Candidate]:
    """The first sentences of each passage; at most `max_sentences` in all, taken in turns from the passages
    (the first sentence of each, then the second...), so that a short passage leaves its share to the others."""
    per_passage = [[_Candidate(text[:_MAX_SENTENCE_CHARS], scored, number)
                    for text, scored in _units(passage.text) if len(text.split()) >= _MIN_WORDS][:max_per_passage]
                   for number, passage in enumerate(passages, start=1)]
    taken = [0] * len(per_passage)
    budget = max_sentences
    for rank in range(max_per_passage):
        for index, units in enumerate(per_passage):
            if budget and rank < len(units):
                taken[index] += 1
                budget -= 1
    return [candidate for units, count in zip(per_passage, taken, strict=True) for candidate in units[:count]]


def best_quotes(
    question: str, passages: Sequence[Passage], embeddings: EmbeddingModel, max_quotes: int = 3,
    max_sentences: int = 60,
) -> list[Quote]:
    """Embeds at most `max_sentences` sentences (plus the question)."""
    candidates = candidate_sentences(passages, max_sentences=max_sentences)
    if not candidates:
        return [Quote(" ".join(p.text.split())[:_MAX_SENTENCE_CHARS], n, 0.0)
                for n, p in enumerate(passages[:1], start=1)]
    vectors = embeddings.embed_passages([c.scored for c in candidates])
    query = embeddings.embed_query(question)
    analyzer = FrenchAnalyzer()
    asked = set(analyzer.tokens(question))
    overlap = np.array([len(asked & set(analyzer.tokens(c.scored))) / max(1, len(asked)) for c in candidates],
                       dtype=np.float32)
    ranks = np.array([c.number for c in candidates], dtype=np.float32)
    scores = vectors @ query + _WORD_OVERLAP_WEIGHT * overlap - _RANK_DECAY * ranks
    quotes: list[Quote] = []
    for index in np.argsort(-scores):
        candidate = candidates[int(index)]
        if all(quote.text != candidate.text for quote in quotes):  # the same line from two copies of a document
            quotes.append(Quote(candidate.text, candidate.number, float(scores[index])))
        if len(quotes) == max_quotes:
            break
    return quotes
