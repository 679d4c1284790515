from __future__ import annotations

from pathlib import Path

import pytest

from assistant.requests.classifier import CategoryClassifier
from assistant.requests.corrections import MemoryCorrections
from assistant.requests.fields import FieldExtractor
from assistant.requests.qualifier import TaxonomyQualifier
from assistant.requests.settings import RequestsSettings
from assistant.requests.taxonomy import Taxonomy, load_taxonomy
from assistant.requests.vectors import VectorCache
from tests.fakes import HashingEmbeddings

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_TAXONOMY = ROOT / "taxonomies" / "metropole.yaml"
EVAL_DIR = ROOT / "tests" / "eval" / "requests"


def small_taxonomy() -> Taxonomy:
    return Taxonomy.model_validate({"name": "test", "categories": [
        {"id": "voirie", "label": "Voirie et trottoirs", "service": "Voirie",
         "examples": ["Un trou dans la chaussée", "Le trottoir est défoncé"], "keywords": ["nid de poule"]},
        {"id": "eclairage", "label": "Éclairage public", "service": "Éclairage",
         "examples": ["Le lampadaire est éteint", "Les réverbères ne marchent plus"]},
        {"id": "etat_civil", "label": "État civil", "service": "Population",
         "examples": ["Je voudrais un acte de naissance", "Refaire ma carte d'identité"]},
    ]})


def no_names(_text: str) -> list[tuple[str, int, int]]:
    return []


@pytest.fixture
def qualifier() -> TaxonomyQualifier:
    classifier = CategoryClassifier(small_taxonomy(), VectorCache(HashingEmbeddings()))
    return TaxonomyQualifier(classifier, FieldExtractor(ner=no_names), RequestsSettings(), MemoryCorrections())


@pytest.fixture(scope="session")
def default_taxonomy() -> Taxonomy:
    return load_taxonomy(DEFAULT_TAXONOMY)
