from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.services import AppServices, build_services
from assistant.catalog import ChunkToStore, DocumentToStore, document_id_for
from assistant.config import Settings, load_settings
from assistant.knowledge import StoredChunk
from assistant.llm.fake import FakeChatModel
from assistant.principal import Principal
from assistant.runtime import Runtime
from tests.fakes import HashingEmbeddings

CORPUS = {
    ("public", "dechets.pdf"): [("Les encombrants sont collectés sur rendez-vous au 01 99 00 00 00.", 2),
                                ("Les déchetteries ouvrent du lundi au samedi de 9 h à 18 h.", 3)],
    ("public", "piscine.xlsx"): [("Tarif adulte de la piscine : 4,50 euros l'entrée.", None)],
    ("rh", "primes.docx"): [("La prime annuelle des agents de catégorie C est de 800 euros.", 1)],
}


class SwitchableAuthenticator:
    """Lets a test act as different users against the same app."""

    def __init__(self) -> None:
        self.principal = Principal.of("alice", groups=["urbanisme"], roles=["agent"])

    def authenticate(self, request: object) -> Principal:
        return self.principal


def fill(runtime: Runtime, embeddings: HashingEmbeddings, source_dir: Path) -> None:
    kb = runtime.knowledge
    kb.catalog.ensure_collection("public", [])
    kb.catalog.ensure_collection("rh", ["ressources-humaines"])
    for (collection, name), passages in CORPUS.items():
        path = source_dir / name
        path.write_text("\n".join(text for text, _ in passages))
        doc_id = document_id_for(collection, str(path))
        document = DocumentToStore(doc_id, collection, str(path), name, name.split(".")[0].title(),
                                   name.split(".")[1], hashlib.sha256(path.read_bytes()).hexdigest(), 10, 3)
        chunks = [StoredChunk(ChunkToStore(f"{doc_id}-h-{i}", i, text, text, page, "Section"),
                              embeddings.embed_query(text)) for i, (text, page) in enumerate(passages)]
        kb.store_document(document, chunks)


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    return load_settings(environ={"ASSISTANT_DATA_DIR": str(tmp_path / "data")},
                         profile="development", auth={"mode": "development"}, chat={"min_similarity": 0.2})


@pytest.fixture
def model() -> FakeChatModel:
    return FakeChatModel(lambda messages: "Les encombrants se prennent sur rendez-vous [1]. Voir aussi [7].")


@pytest.fixture
def services(api_settings: Settings, model: FakeChatModel, tmp_path: Path) -> Iterator[AppServices]:
    embeddings = HashingEmbeddings()
    runtime = Runtime(api_settings)
    built = build_services(runtime, model=model, embeddings=embeddings)
    (tmp_path / "files").mkdir()
    fill(runtime, embeddings, tmp_path / "files")
    yield built
    runtime.close()


@pytest.fixture
def authenticator() -> SwitchableAuthenticator:
    return SwitchableAuthenticator()


@pytest.fixture
def client(
    api_settings: Settings, services: AppServices, authenticator: SwitchableAuthenticator
) -> Iterator[TestClient]:
    app = create_app(api_settings, services=services, authenticator=authenticator)
    with TestClient(app) as test_client:
        yield test_client

