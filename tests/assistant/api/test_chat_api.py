from __future__ import annotations

import json

from fastapi.testclient import TestClient

from assistant.principal import Principal
from tests.assistant.api.conftest import SwitchableAuthenticator


def sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_extractive_answer_quotes_sources_with_pages(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": "Comment faire enlever des encombrants ?",
                                              "mode": "extractive"})
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "extractive" and body["grounded"]
    assert "« Les encombrants sont collectés sur rendez-vous au 01 99 00 00 00. » [1]" in body["answer"]
    first = body["sources"][0]
    assert (first["source"], first["page"]) == ("dechets.pdf", 2)
    assert first["url"].startswith(f"/documents/{first['document_id']}/view?chunk=")
    assert 1 in body["citations"]


def test_generative_answer_strips_citations_pointing_nowhere(client: TestClient) -> None:
    body = client.post("/api/chat", json={"message": "encombrants rendez-vous", "mode": "generative"}).json()
    assert body["answer"] == "Les encombrants se prennent sur rendez-vous [1]. Voir aussi."
    assert body["citations"] == [1]


def test_stream_sends_meta_sources_tokens_done(client: TestClient) -> None:
    response = client.post("/api/chat/stream", json={"message": "encombrants rendez-vous", "mode": "generative"})
    assert response.headers["content-type"].startswith("text/event-stream")
    kinds = [kind for kind, _ in sse_events(response.text)]
    # Generated text streams sentence by sentence, each once the grounding check passed it.
    assert kinds[:2] == ["meta", "sources"] and kinds[-1] == "done" and kinds.count("token") >= 2


def test_nothing_relevant_says_so_without_inventing(client: TestClient) -> None:
    body = client.post("/api/chat", json={"message": "zzz qqq xyzzy", "mode": "generative"}).json()
    assert not body["grounded"] and body["sources"] == [] and body["mode"] == "none"
    assert "reformuler" in body["answer"]


def test_forbidden_collection_never_reaches_the_answer(client: TestClient) -> None:
    body = client.post("/api/chat", json={"message": "prime annuelle des agents catégorie C",
                                          "mode": "extractive"}).json()
    assert all(source["collection"] == "public" for source in body["sources"])
    assert "800" not in body["answer"]
    assert client.post("/api/chat", json={"message": "prime", "collections": ["rh"]}).status_code == 404


def test_conversation_history_feedback_and_privacy(client: TestClient,
                                                   authenticator: SwitchableAuthenticator) -> None:
    first = client.post("/api/chat", json={"message": "encombrants rendez-vous", "mode": "extractive"}).json()
    conversation_id = first["conversation_id"]
    client.post("/api/chat", json={"message": "et les horaires ?", "conversation_id": conversation_id,
                                   "mode": "extractive"})
    conversation = client.get(f"/api/conversations/{conversation_id}").json()
    assert [m["role"] for m in conversation["messages"]] == ["user", "assistant", "user", "assistant"]
    assert client.post(f"/api/messages/{first['message_id']}/feedback",
                       json={"rating": -1, "comment": "incomplet"}).status_code == 204
    assert client.get(f"/api/conversations/{conversation_id}").json()["messages"][1]["rating"] == -1
    authenticator.principal = Principal.of("mallory", roles=["agent"])
    assert client.get(f"/api/conversations/{conversation_id}").status_code == 404
    assert client.post(f"/api/messages/{first['message_id']}/feedback", json={"rating": 1}).status_code == 404
    assert client.get("/api/conversations").json() == []


def test_missing_role_is_forbidden(client: TestClient, authenticator: SwitchableAuthenticator) -> None:
    authenticator.principal = Principal.of("bob", roles=["analyst"])
    assert client.post("/api/chat", json={"message": "encombrants"}).status_code == 403


def test_health_ready_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["index"]["chunks"] == 4
    client.post("/api/chat", json={"message": "encombrants", "mode": "extractive"})
    metrics = client.get("/metrics").text
    assert 'assistant_answers_total{mode="extractive"} 1.0' in metrics
    assert "assistant_llm_queue_depth" in metrics


def test_document_file_and_chunk_respect_permissions(client: TestClient,
                                                     authenticator: SwitchableAuthenticator) -> None:
    source = client.post("/api/chat", json={"message": "encombrants rendez-vous", "mode": "extractive"}
                         ).json()["sources"][0]
    assert client.get(f"/documents/{source['document_id']}/file").status_code == 200
    chunk = client.get(f"/api/documents/{source['document_id']}/chunks/{source['chunk_id']}").json()
    assert chunk["page"] == 2
    rh_docs = [d for d in client.app.state.services.runtime.knowledge.catalog.documents("rh")]  # type: ignore[attr-defined]
    assert client.get(f"/documents/{rh_docs[0].id}/file").status_code == 404


def test_full_queue_answers_503_with_retry_after(client: TestClient) -> None:
    gate = client.app.state.services.gate  # type: ignore[attr-defined]
    gate.max_queue = 0
    gate._active = gate.concurrency  # a generation is running and nobody may wait behind it
    for url in ("/api/chat", "/api/chat/stream"):
        response = client.post(url, json={"message": "encombrants", "mode": "generative"})
        assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
        assert "occupé" in response.json()["detail"]
    gate._active = 0
    assert client.post("/api/chat", json={"message": "encombrants", "mode": "generative"}).status_code == 200
