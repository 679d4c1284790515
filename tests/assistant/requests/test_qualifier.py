from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.database import Database
from assistant.requests.classifier import CategoryClassifier
from assistant.requests.corrections import CorrectionStore
from assistant.requests.fields import FieldExtractor
from assistant.requests.qualification import Correction
from assistant.requests.qualifier import TaxonomyQualifier, UnknownCategory
from assistant.requests.segments import segments
from assistant.requests.settings import RequestsSettings
from assistant.requests.vectors import VectorCache
from tests.assistant.requests.conftest import no_names, small_taxonomy
from tests.fakes import HashingEmbeddings


def test_a_request_is_routed_to_the_category_its_words_name(qualifier: TaxonomyQualifier) -> None:
    result = qualifier.qualify("Il y a un nid de poule énorme sur la chaussée")
    assert (result.category, result.service) == ("voirie", "Voirie")
    assert 0 < result.confidence <= 1 and result.taxonomy_version.endswith("+0")


def test_below_the_threshold_a_request_goes_to_review() -> None:
    classifier = CategoryClassifier(small_taxonomy(), VectorCache(HashingEmbeddings()))
    strict = TaxonomyQualifier(classifier, FieldExtractor(ner=no_names), RequestsSettings(review_threshold=0.99),
                               CorrectionStoreInMemory())
    assert strict.qualify("Bonjour, une question").needs_review


def test_a_second_topic_is_reported_with_its_confidence(qualifier: TaxonomyQualifier) -> None:
    result = qualifier.qualify("Le trottoir est défoncé devant chez moi. Par ailleurs, le lampadaire est éteint.")
    assert result.category in ("voirie", "eclairage")
    others = {other.category: other.confidence for other in result.other_categories}
    assert ({"voirie", "eclairage"} - {result.category}) <= set(others)


def test_masked_text_hides_contacts_and_classification_works_on_it(qualifier: TaxonomyQualifier) -> None:
    result = qualifier.qualify("Lampadaire éteint, rappelez-moi au 06 12 34 56 78 ou a.b@example.fr")
    assert result.masked_text == "Lampadaire éteint, rappelez-moi au [TÉLÉPHONE] ou [EMAIL]"
    assert {field.kind for field in result.fields} >= {"phone", "email"}


def test_a_correction_is_an_example_at_once_and_is_stored_masked(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    database.create_schema()
    store = CorrectionStore(database)
    text = "Mon chat a disparu, écrivez à x@example.fr"

    def build() -> TaxonomyQualifier:
        classifier = CategoryClassifier(small_taxonomy(), VectorCache(HashingEmbeddings()))
        return TaxonomyQualifier(classifier, FieldExtractor(ner=no_names), RequestsSettings(), store)

    qualifier = build()
    before = qualifier.qualify(text)
    qualifier.learn(Correction(text, "etat_civil" if before.category != "etat_civil" else "voirie", "agent.a"))
    learned = store.all()[0].category
    assert qualifier.qualify(text).category == learned
    assert store.all()[0].text == "Mon chat a disparu, écrivez à [EMAIL]"
    reopened = build()  # a restart reads the stored corrections back
    assert reopened.qualify(text).category == learned and reopened.version.endswith("+1")
    with pytest.raises(UnknownCategory, match="unknown category 'animaux'"):
        qualifier.learn(Correction(text, "animaux", "agent.a"))
    database.close()


def test_segments_split_topics_and_drop_formulas() -> None:
    parts = segments("Bonjour,\nLe trottoir est défoncé devant l'école. Par ailleurs le lampadaire est éteint.\n"
                     "Cordialement")
    assert parts == ["Le trottoir est défoncé devant l'école.", "Par ailleurs le lampadaire est éteint."]


def test_the_vector_cache_embeds_a_text_once_and_survives_a_restart(tmp_path: Path) -> None:
    class Counting(HashingEmbeddings):
        calls = 0

        def embed_passages(self, texts):  # type: ignore[no-untyped-def]
            Counting.calls += len(texts)
            return super().embed_passages(texts)

    path = tmp_path / "vectors.npz"
    first = VectorCache(Counting(), path).vectors(["a b", "c d"])
    again = VectorCache(Counting(), path).vectors(["c d", "a b"])
    assert Counting.calls == 2 and np.allclose(first[::-1], again)


class CorrectionStoreInMemory:
    def add(self, correction: Correction) -> None: ...

    def all(self) -> list[Correction]:
        return []
