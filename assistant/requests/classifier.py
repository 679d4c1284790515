"""Category classifier learning only from the taxonomy (labels, examples, keywords) and staff corrections.

Evidence per category, for the whole message and for each of its parts (`segments`):
- e5 cosine to the category's closest example, to the centroid of its examples and to its label;
- French BM25 over the label, keywords and examples, and the keyword phrases found (`lexicon`).
Each is standardised across categories and summed with fixed weights (tuned on the evaluation's tune split,
never on its held-out split); a softmax turns the sum into a confidence. A correction is one more example:
its vector and tokens are added at once, nothing is retrained.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from assistant.requests.lexicon import CategoryLexicon
from assistant.requests.segments import segments
from assistant.requests.taxonomy import Taxonomy
from assistant.requests.vectors import VectorCache


@dataclass(frozen=True)
class ClassifierWeights:
    example: float = 0.7  # closest example
    centroid: float = 0.3  # centroid of the examples
    label: float = 0.6  # the label's own vector
    lexical: float = 0.7  # BM25 over label, keywords and examples
    keywords: float = 0.8  # keyword phrases found, by idf mass
    segments: float = 0.5  # share of the best part's evidence added to the whole message's
    temperature: float = 1.0


@dataclass(frozen=True)
class Evidence:
    """Raw evidence of one text (rows: categories)."""

    best_example: np.ndarray
    centroid: np.ndarray
    label: np.ndarray
    lexical: np.ndarray
    keywords: np.ndarray


@dataclass(frozen=True)
class Topic:
    category: int
    confidence: float


@dataclass(frozen=True)
class Ranking:
    probabilities: np.ndarray  # per category, for the message as a whole
    topics: tuple[Topic, ...]  # the best category of each part, with that part's confidence


def _standardise(values: np.ndarray) -> np.ndarray:
    spread = float(values.std())
    return (values - values.mean()) / spread if spread > 1e-6 else np.zeros_like(values)


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    scaled = scores / temperature
    exp = np.exp(scaled - scaled.max())
    return np.asarray(exp / exp.sum())


class CategoryClassifier:
    def __init__(self, taxonomy: Taxonomy, vectors: VectorCache, weights: ClassifierWeights | None = None) -> None:
        self.taxonomy = taxonomy
        self.weights = weights or ClassifierWeights()
        self._vectors = vectors
        self._lexicon = CategoryLexicon()
        self._lock = threading.Lock()
        owners: list[int] = []
        texts: list[str] = []
        for index, category in enumerate(taxonomy.categories):
            self._lexicon.add_category(category.label, category.keywords, category.examples)
            owners += [index] * len(category.examples)
            texts += category.examples
        self._owners = np.asarray(owners)
        self._examples = vectors.vectors(texts)
        self._labels = vectors.vectors([category.label for category in taxonomy.categories])
        self._centroids = self._compute_centroids()

    def _compute_centroids(self) -> np.ndarray:
        centroids = np.vstack([self._examples[self._owners == index].mean(axis=0)
                               for index in range(len(self.taxonomy.categories))])
        return centroids / np.linalg.norm(centroids, axis=1, keepdims=True)

    def add_example(self, category_id: str, text: str) -> None:
        index = self.taxonomy.ids.index(category_id)
        vector = self._vectors.vectors([text])
        with self._lock:
            self._examples = np.vstack([self._examples, vector])
            self._owners = np.append(self._owners, index)
            self._centroids = self._compute_centroids()
            self._lexicon.add_example(index, text)

    def evidence(self, texts: list[str]) -> list[Evidence]:
        vectors = self._vectors.embed_messages(texts)
        with self._lock:
            examples, owners, centroids = self._examples, self._owners, self._centroids
            result = []
            for text, vector in zip(texts, vectors, strict=True):
                cosines = examples @ vector
                best = np.full(len(self.taxonomy.categories), -1.0, dtype=np.float32)
                np.maximum.at(best, owners, cosines)
                tokens = self._lexicon.tokens(text)
                result.append(Evidence(best, centroids @ vector, self._labels @ vector,
                                       self._lexicon.scores(tokens), self._lexicon.keyword_scores(tokens)))
        return result

    def combine(self, evidence: Evidence) -> np.ndarray:
        w = self.weights
        return (w.example * _standardise(evidence.best_example) + w.centroid * _standardise(evidence.centroid)
                + w.label * _standardise(evidence.label) + w.lexical * _standardise(evidence.lexical)
                + w.keywords * evidence.keywords)

    def rank_evidence(self, whole: Evidence, parts: list[Evidence]) -> Ranking:
        scores = self.combine(whole)
        part_scores = [self.combine(part) for part in parts]
        if part_scores:
            scores = scores + self.weights.segments * np.max(np.vstack(part_scores), axis=0)
        topics = []
        for part in part_scores:
            probabilities = _softmax(part, self.weights.temperature)
            best = int(np.argmax(probabilities))
            topics.append(Topic(best, float(probabilities[best])))
        return Ranking(_softmax(scores, self.weights.temperature), tuple(topics))

    def rank(self, text: str) -> Ranking:
        parts = segments(text)
        parts = parts if len(parts) > 1 else []
        evidence = self.evidence([text, *parts])
        return self.rank_evidence(evidence[0], evidence[1:])
