"""Real tokens from the development identity provider: an agent of one group must get nothing from another
group's documents, through every entry point. Also token expiry, bad tokens, and the production guard."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.services import build_services
from assistant.catalog import ChunkToStore, DocumentToStore, document_id_for
from assistant.config import Settings, load_settings
from assistant.identity.errors import ConfigurationRefused
from assistant.knowledge import StoredChunk
from assistant.llm.fake import FakeChatModel
from assistant.runtime import Runtime
from tests.fakes import HashingEmbeddings
from tests.support.dev_idp import DevIdp, dev_idp_unavailable_reason, start_dev_idp

pytestmark = pytest.mark.skipif(dev_idp_unavailable_reason() is not None,
                                reason=str(dev_idp_unavailable_reason()))

SECRET = "Le budget confidentiel du projet Phénix est de 12 millions d'euros."
PUBLIC = "Le permis de construire est instruit en deux mois par le service urbanisme."


@pytest.fixture(scope="module")
def idp() -> Iterator[DevIdp]:
    server = start_dev_idp(access_token_ttl=300)
    yield server
    server.stop()


def sso_settings(idp: DevIdp, data: Path, profile: str = "development") -> Settings:
    return load_settings(
        environ={"ASSISTANT_DATA_DIR": str(data)}, profile=profile, chat={"min_similarity": 0.1},
        auth={"mode": "oidc", "oidc": {"server_url": idp.server_url, "realm": "demo", "client_id": "assistant",
                                       "client_secret": "assistant-dev-secret", "public_url": "http://testserver"}},
    )


def index(runtime: Runtime, embeddings: HashingEmbeddings, files: Path) -> dict[str, str]:
    ids = {}
    for collection, groups, text in (("direction", ["direction-generale"], SECRET), ("urba", ["urbanisme"], PUBLIC)):
        runtime.knowledge.catalog.ensure_collection(collection, groups)
        path = files / f"{collection}.md"
        path.write_text(text, encoding="utf-8")
        doc_id = document_id_for(collection, str(path))
        document = DocumentToStore(doc_id, collection, str(path), path.name, collection, "md",
                                   hashlib.sha256(path.read_bytes()).hexdigest(), 10, None)
        runtime.knowledge.store_document(document, [StoredChunk(ChunkToStore(f"{doc_id}-0", 0, text, text, 1, ""),
                                                                embeddings.embed_query(text))])
        ids[collection] = doc_id
    return ids


@pytest.fixture
def app_client(idp: DevIdp, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = sso_settings(idp, tmp_path / "data")
    embeddings = HashingEmbeddings()
    runtime = Runtime(settings)
    services = build_services(runtime, model=FakeChatModel(lambda m: "Voir [1] et [2]."), embeddings=embeddings)
    (tmp_path / "files").mkdir()
    ids = index(runtime, embeddings, tmp_path / "files")
    with TestClient(create_app(settings, services=services)) as client:
        yield client, ids
    runtime.close()


def bearer(idp: DevIdp, user: str, password: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {idp.login(user, password)['access_token']}"}


def test_agent_gets_nothing_from_another_group(idp: DevIdp, app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = app_client
    julien = bearer(idp, "julien.bernard", "julien-dev")  # group urbanisme
    question = "Quel est le budget confidentiel du projet Phénix ?"
    for mode in ("extractive", "generative"):
        body = client.post("/api/chat", json={"message": question, "mode": mode}, headers=julien).json()
        assert "12 millions" not in body["answer"] and all(s["collection"] == "urba" for s in body["sources"])
    stream = client.post("/api/chat/stream", json={"message": question}, headers=julien).text
    assert "12 millions" not in stream and ids["direction"] not in stream
    search = client.get("/api/search", params={"q": question}, headers=julien).json()
    assert all(p["collection"] == "urba" for p in search["passages"])
    crafted = client.get("/api/search", params={"q": "Phénix", "collections": "direction"}, headers=julien)
    assert crafted.status_code == 404
    assert client.post("/api/chat", json={"message": question, "collections": ["direction"]},
                       headers=julien).status_code == 404
    assert client.get(f"/documents/{ids['direction']}/file", headers=julien).status_code == 404
    chunk_url = f"/api/documents/{ids['direction']}/chunks/{ids['direction']}-0"
    assert client.get(chunk_url, headers=julien).status_code == 404
    assert [c["name"] for c in client.get("/api/collections", headers=julien).json()] == ["urba"]
    sdk = openai.OpenAI(base_url="http://testserver/v1", api_key=julien["Authorization"][7:], http_client=client,
                        max_retries=0)
    completion = sdk.chat.completions.create(model="assistant-rag", messages=[{"role": "user", "content": question}])
    assert "12 millions" not in str(completion.model_dump())


def test_owner_of_the_group_does_see_it(idp: DevIdp, app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = app_client
    claire = bearer(idp, "claire.martin", "claire-dev")  # group direction-generale
    body = client.post("/api/chat", json={"message": "budget du projet Phénix", "mode": "extractive"},
                       headers=claire).json()
    assert body["sources"][0]["document_id"] == ids["direction"] and "12 millions" in body["answer"]
    conversation = body["conversation_id"]
    julien = bearer(idp, "julien.bernard", "julien-dev")
    assert client.get(f"/api/conversations/{conversation}", headers=julien).status_code == 404
    assert client.get(f"/api/conversations/{conversation}", headers=claire).status_code == 200


def test_roles_bad_and_expired_tokens(idp: DevIdp, app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = app_client
    paul = bearer(idp, "paul.durand", "paul-dev")  # no application role
    assert client.post("/api/chat", json={"message": "permis"}, headers=paul).status_code == 403
    assert client.get("/auth/me", headers=paul).json()["roles"] == []
    assert client.post("/api/chat", json={"message": "permis"}).status_code == 401
    forged = client.get("/api/search", params={"q": "permis"}, headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401
    short = start_dev_idp(access_token_ttl=1)
    try:
        settings_token = short.login("julien.bernard", "julien-dev")["access_token"]
    finally:
        short.stop()
    response = client.get("/api/search", params={"q": "permis"}, headers={"Authorization": f"Bearer {settings_token}"})
    assert response.status_code == 401  # another issuer's key and issuer
    expiring = start_dev_idp(access_token_ttl=1)
    try:
        app = create_app(sso_settings(expiring, Path(client.app.state.settings.data_dir).parent / "data2"),  # type: ignore[attr-defined]
                         services=client.app.state.services)  # type: ignore[attr-defined]
        with TestClient(app) as other:
            token = expiring.login("julien.bernard", "julien-dev")["access_token"]
            assert other.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
            time.sleep(1 + 31)  # past expiry and the 30 s clock-skew leeway
            expired = other.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    finally:
        expiring.stop()


def test_key_rotation_is_followed(idp: DevIdp, app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = app_client
    assert client.get("/auth/me", headers=bearer(idp, "julien.bernard", "julien-dev")).status_code == 200
    idp.rotate_keys()
    time.sleep(11)  # the minimum interval between two key-set fetches
    assert client.get("/auth/me", headers=bearer(idp, "julien.bernard", "julien-dev")).status_code == 200


def test_production_refuses_the_development_provider(idp: DevIdp, tmp_path: Path) -> None:
    settings = sso_settings(idp, tmp_path / "data", profile="production")
    with pytest.raises(ConfigurationRefused, match="development identity provider"), \
            TestClient(create_app(settings, services=build_services(
                Runtime(settings), model=FakeChatModel(["x"]), embeddings=HashingEmbeddings()))):
        pass
