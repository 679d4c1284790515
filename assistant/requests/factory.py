"""Builds the qualifier from settings (the taxonomy file, the embedding model, the corrections store)."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Settings
from assistant.database import Database
from assistant.embeddings import EmbeddingModel
from assistant.requests.classifier import CategoryClassifier
from assistant.requests.corrections import CorrectionStore, MemoryCorrections
from assistant.requests.fields import FieldExtractor
from assistant.requests.qualifier import CorrectionSource, TaxonomyQualifier
from assistant.requests.taxonomy import load_taxonomy
from assistant.requests.vectors import VectorCache


def build_qualifier(settings: Settings, embeddings: EmbeddingModel, database: Database | None = None,
                    taxonomy_path: Path | None = None) -> TaxonomyQualifier:
    """The configured taxonomy with the stored corrections; or `taxonomy_path` alone (corrections kept in
    memory: they name the configured taxonomy's categories), as `--taxonomy` and evaluations use it."""
    path = settings.resolve(taxonomy_path or settings.requests.taxonomy)
    taxonomy = load_taxonomy(path)
    cache = VectorCache(embeddings, settings.data_path / "requests" / "taxonomy-vectors.npz")
    stored = database is not None and taxonomy_path is None
    corrections: CorrectionSource = CorrectionStore(database) if stored and database else MemoryCorrections()
    return TaxonomyQualifier(CategoryClassifier(taxonomy, cache), FieldExtractor(settings.requests.communes),
                             settings.requests, corrections)
