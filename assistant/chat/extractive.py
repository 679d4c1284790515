"""Extractive answers: the sentences of the retrieved passages that best answer the question, quoted.

They cannot invent anything, which makes them the right default with a small model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.embeddings import EmbeddingModel
from assistant.lexical import FrenchAnalyzer
from assistant.retrieval import Passage

_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_MIN_WORDS = 4
_MAX_SENTENCE_CHARS = 400
_RANK_DECAY = 0.01  # a sentence from a better-ranked passage wins a near tie
# e5 similarities of short lines (table rows) are close together; the share of the question's words a
# line contains separates "Entrée adulte | 4,50 €" from another row of the same table.
_WORD_OVERLAP_WEIGHT = 0.08


@dataclass(frozen=True)
class Quote:
    text: str
    number: int  # the source's citation number, 1-based
    score: float


def candidate_sentences(passages: Sequence[Passage], max_per_passage: int = 25) -> list[tuple[str, int]]:
    sentences: list[tuple[str, int]] = []
    for number, passage in enumerate(passages, start=1):
        kept = 0
        for sentence in _SENTENCE.split(passage.text):
            sentence = " ".join(sentence.split())
            if len(sentence.split()) >= _MIN_WORDS and kept < max_per_passage:
                sentences.append((sentence[:_MAX_SENTENCE_CHARS], number))
                kept += 1
    return sentences


def best_quotes(
    question: str, passages: Sequence[Passage], embeddings: EmbeddingModel, max_quotes: int = 3
) -> list[Quote]:
    sentences = candidate_sentences(passages)
    if not sentences:
        return [Quote(" ".join(p.text.split())[:_MAX_SENTENCE_CHARS], n, 0.0)
                for n, p in enumerate(passages[:1], start=1)]
    vectors = embeddings.embed_passages([text for text, _ in sentences])
    query = embeddings.embed_query(question)
    analyzer = FrenchAnalyzer()
    asked = set(analyzer.tokens(question))
    overlap = np.array([len(asked & set(analyzer.tokens(text))) / max(1, len(asked)) for text, _ in sentences],
                       dtype=np.float32)
    ranks = np.array([number for _, number in sentences], dtype=np.float32)
    scores = vectors @ query + _WORD_OVERLAP_WEIGHT * overlap - _RANK_DECAY * ranks
    quotes: list[Quote] = []
    for index in np.argsort(-scores):
        text, number = sentences[int(index)]
        if all(quote.text != text for quote in quotes):  # the same line from two copies of a document
            quotes.append(Quote(text, number, float(scores[index])))
        if len(quotes) == max_quotes:
            break
    return quotes
