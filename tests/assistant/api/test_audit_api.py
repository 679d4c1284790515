"""Every audited endpoint leaves one row, with the documents retrieved and cited, never the question."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import openai
import pytest
from fastapi.testclient import TestClient

from assistant.api.services import AppServices
from assistant.audit import AuditEvent
from assistant.jsonlog import configure_json_logging
from assistant.principal import Principal
from tests.assistant.api.conftest import SwitchableAuthenticator

QUESTION = "Comment faire enlever des encombrants ?"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJwcmVmZXJyZWRfdXNlcm5hbWUiOiJhbGljZSJ9.c2lnbmF0dXJl"


def events(services: AppServices, action: str) -> list[AuditEvent]:
    return services.audit.query(action=action)


def public_documents(services: AppServices) -> set[str]:
    return {d.id for d in services.runtime.knowledge.catalog.documents("public")}


def test_chat_is_audited_with_sources_and_citations_but_no_question(client: TestClient,
                                                                   services: AppServices) -> None:
    response = client.post("/api/chat", json={"message": QUESTION, "mode": "extractive"})
    body = response.json()
    [row] = events(services, "chat")
    assert (row.username, row.status, row.endpoint) == ("alice", 200, "POST /api/chat")
    assert row.request_id == response.headers["x-request-id"]
    assert row.collections == ["public"]
    assert row.retrieved == list(dict.fromkeys(s["document_id"] for s in body["sources"]))
    assert row.cited == list(dict.fromkeys(body["sources"][n - 1]["document_id"] for n in body["citations"]))
    assert row.question is None
    assert "encombrants" not in json.dumps(row.as_dict())


def test_stream_and_openai_completions_are_audited_after_the_last_event(client: TestClient,
                                                                        services: AppServices) -> None:
    client.post("/api/chat/stream", json={"message": "encombrants rendez-vous", "mode": "generative"})
    [streamed] = events(services, "chat.stream")
    assert streamed.cited and set(streamed.cited) <= set(streamed.retrieved) <= public_documents(services)
    sdk = openai.OpenAI(base_url="http://testserver/v1", api_key="x", http_client=client, max_retries=0)
    list(sdk.chat.completions.create(model="assistant-rag-extractive", stream=True,
                                     messages=[{"role": "user", "content": "encombrants rendez-vous"}]))
    [completion] = events(services, "openai.completion")
    assert completion.retrieved and completion.cited and completion.status == 200


def test_search_and_downloads_name_the_documents(client: TestClient, services: AppServices,
                                                 authenticator: SwitchableAuthenticator) -> None:
    passages = client.get("/api/search", params={"q": "tarif piscine"}).json()["passages"]
    [search] = events(services, "search")
    assert search.retrieved == list(dict.fromkeys(p["document_id"] for p in passages)) and search.cited == []
    assert search.collections == ["public"] and search.question is None
    first = passages[0]
    client.get(f"/documents/{first['document_id']}/file")
    client.get(f"/api/documents/{first['document_id']}/chunks/{first['chunk_id']}")
    assert events(services, "document.file")[0].retrieved == [first["document_id"]]
    assert events(services, "document.chunk")[0].target.startswith(f"document_id={first['document_id']}")
    rh = services.runtime.knowledge.catalog.documents("rh")[0].id
    assert client.get(f"/documents/{rh}/file").status_code == 404
    denied = events(services, "document.file")[0]
    assert (denied.retrieved, denied.status) == ([rh], 404)  # attempts on forbidden documents are kept too
    authenticator.principal = Principal.of("bob", roles=["analyst"])
    assert client.get("/api/search", params={"q": "tarif"}).status_code == 403
    assert [(e.username, e.status) for e in events(services, "search")] == [("bob", 403), ("alice", 200)]


def test_conversation_read_delete_and_export_are_audited(client: TestClient, services: AppServices) -> None:
    conversation = client.post("/api/chat", json={"message": QUESTION, "mode": "extractive"}).json()
    conversation_id = conversation["conversation_id"]
    client.get(f"/api/conversations/{conversation_id}")
    client.get("/api/me/export")
    client.delete(f"/api/conversations/{conversation_id}")
    client.delete("/api/me/conversations")
    actions = [e.action for e in services.audit.query()]
    assert actions == ["conversation.delete_all", "conversation.delete", "export", "conversation.read", "chat"]
    assert services.audit.query(action="conversation.read")[0].target == f"conversation_id={conversation_id}"
    client.get("/api/conversations")
    client.get("/healthz")
    assert len(services.audit.query()) == 5  # lists and probes are not audited


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name in ("httpx", "httpx2", "httpcore", "urllib3"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.getLogger("uvicorn.access").disabled = False
    logging.captureWarnings(False)


def test_json_log_lines_hold_no_username_token_or_question(
    client: TestClient, services: AppServices, restore_logging: None, capsys: pytest.CaptureFixture[str],
) -> None:
    configure_json_logging(services.runtime.settings.data_path)  # as `assistant serve` does
    headers = {"Authorization": f"Bearer {TOKEN}"}
    client.post("/api/chat", json={"message": QUESTION, "mode": "extractive"}, headers=headers)
    client.get("/api/search", params={"q": "tarif piscine"}, headers=headers)
    logging.getLogger("assistant.test").warning("login failed with Bearer %s", TOKEN)
    output = capsys.readouterr().err
    lines = [json.loads(line) for line in output.splitlines()]
    requests = [line for line in lines if line.get("event") == "request"]
    assert [(r["method"], r["route"], r["status"]) for r in requests] == [
        ("POST", "/api/chat", 200), ("GET", "/api/search", 200)]
    assert requests[0]["user"] == requests[1]["user"] and requests[0]["user"].startswith("u-")
    assert requests[0]["request_id"] != requests[1]["request_id"]
    for forbidden in ("alice", TOKEN, "encombrants", "piscine", "eyJ"):
        assert forbidden not in output
