"""The `Qualifier` built on the taxonomy: category and service, further topics, urgency, fields, masking."""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np

from assistant.requests.classifier import CategoryClassifier, Ranking
from assistant.requests.fields import FieldExtractor
from assistant.requests.masking import mask_fields
from assistant.requests.qualification import CategoryScore, Correction, Qualification
from assistant.requests.settings import RequestsSettings
from assistant.requests.urgency import detect_urgency


class UnknownCategory(ValueError):
    """A correction names a category the taxonomy does not have."""


class CorrectionSource(Protocol):
    def add(self, correction: Correction) -> None: ...

    def all(self) -> list[Correction]: ...


class TaxonomyQualifier:
    def __init__(self, classifier: CategoryClassifier, extractor: FieldExtractor, settings: RequestsSettings,
                 corrections: CorrectionSource) -> None:
        self._classifier = classifier
        self._taxonomy = classifier.taxonomy
        self._extractor = extractor
        self._settings = settings
        self._corrections = corrections
        self._lock = threading.Lock()
        self._learned = 0
        for correction in corrections.all():
            if correction.category in self._taxonomy.ids:  # a category since removed from the taxonomy is skipped
                self._classifier.add_example(correction.category, correction.text)
                self._learned += 1

    @property
    def categories(self) -> list[str]:
        return self._taxonomy.ids

    @property
    def version(self) -> str:
        return f"{self._taxonomy.digest}+{self._learned}"

    def mask(self, text: str) -> str:
        return mask_fields(text, self._extractor.extract(text))

    def _score(self, index: int, confidence: float) -> CategoryScore:
        category = self._taxonomy.categories[index]
        return CategoryScore(category.id, category.label, category.service, round(confidence, 4))

    def _other_topics(self, ranking: Ranking, best: int) -> tuple[CategoryScore, ...]:
        threshold = self._settings.other_topic_threshold
        confidences: dict[int, float] = {}
        for topic in ranking.topics:
            if topic.category != best and topic.confidence >= threshold:
                confidences[topic.category] = max(confidences.get(topic.category, 0.0), topic.confidence)
        for index in np.argsort(-ranking.probabilities)[1:4]:
            probability = float(ranking.probabilities[index])
            if probability >= threshold:
                confidences[int(index)] = max(confidences.get(int(index), 0.0), probability)
        ordered = sorted(confidences.items(), key=lambda item: -item[1])[: self._settings.max_other_topics]
        return tuple(self._score(index, confidence) for index, confidence in ordered)

    def qualify(self, text: str, subject: str = "") -> Qualification:
        fields = self._extractor.extract(text)
        masked = mask_fields(text, fields)
        masked_subject = self.mask(subject) if subject.strip() else ""
        ranking = self._classifier.rank(f"{masked_subject}\n{masked}" if masked_subject else masked)
        best = int(np.argmax(ranking.probabilities))
        main = self._score(best, float(ranking.probabilities[best]))
        urgency = detect_urgency(f"{subject}\n{text}" if subject.strip() else text)
        return Qualification(
            category=main.category, label=main.label, service=main.service, confidence=main.confidence,
            needs_review=main.confidence < self._settings.review_threshold, urgent=urgency.urgent,
            urgency_reasons=urgency.reasons, other_categories=self._other_topics(ranking, best),
            fields=tuple(fields), masked_text=masked, taxonomy_version=self.version,
        )

    def learn(self, correction: Correction) -> None:
        if correction.category not in self._taxonomy.ids:
            raise UnknownCategory(f"unknown category '{correction.category}' (taxonomy '{self._taxonomy.name}': "
                                  f"{', '.join(self._taxonomy.ids)})")
        masked = Correction(self.mask(correction.text), correction.category, correction.corrected_by)
        with self._lock:
            self._corrections.add(masked)
            self._classifier.add_example(masked.category, masked.text)
            self._learned += 1
