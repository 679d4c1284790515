"""What qualifying one citizen request yields, and the interface every qualifier implements.

The workflow (intake, storage, drafting, review) depends only on this module; the classifier, urgency
detection, field extraction and personal-data masking implement `Qualifier`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CategoryScore:
    category: str  # taxonomy id
    label: str
    service: str
    confidence: float  # 0..1


@dataclass(frozen=True)
class ExtractedField:
    kind: str  # "address", "commune", "date", "reference", "name", "email", "phone", ...
    value: str  # normalised value
    text: str  # as written in the message
    start: int  # character offsets in the original text
    end: int


@dataclass(frozen=True)
class Qualification:
    category: str
    label: str
    service: str
    confidence: float
    needs_review: bool  # below the threshold: goes to the "à qualifier" queue instead of being routed
    urgent: bool
    urgency_reasons: tuple[str, ...] = ()  # the words that triggered urgency, as written
    other_categories: tuple[CategoryScore, ...] = ()  # further topics of the same message
    fields: tuple[ExtractedField, ...] = ()
    masked_text: str = ""  # the text with personal data replaced by placeholders ([EMAIL], [TÉLÉPHONE], ...)
    taxonomy_version: str = ""  # digest of the taxonomy (and corrections) used


@dataclass(frozen=True)
class Correction:
    """A staff reassignment: becomes an example of `category` at once."""

    text: str
    category: str
    corrected_by: str


class Qualifier(Protocol):
    def qualify(self, text: str, subject: str = "") -> Qualification: ...

    def learn(self, correction: Correction) -> None:
        """Take a staff correction into account for the next qualifications (no retraining step)."""
        ...
