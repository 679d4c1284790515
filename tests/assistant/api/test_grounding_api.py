"""A generated answer whose facts are not in its cited sources never reaches the agent as an answer:
JSON, Server-Sent Events, the OpenAI-compatible API and the stored conversation all get the extractive
answer with a note instead (deterministic fake model, hashing embeddings)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from assistant.api.services import AppServices
from assistant.llm.fake import FakeChatModel
from tests.assistant.api.test_chat_api import sse_events

POOL_QUESTION = "Combien coûte l'entrée à la piscine pour un enfant ?"
INVENTED = "La prix de l entrée enfant à la piscine est 290,00 €. Le tarif adulte est 4,50 euros [1]."
NOTE = "Note : la réponse rédigée par le modèle n'a pas été retenue"
REPLIES = {
    "invented": INVENTED,
    "grounded": "L'entrée adulte de la piscine coûte 4,50 € [1].",
    "uncited": "L'entrée adulte de la piscine coûte 4,50 €.",
}


@pytest.fixture
def model(request: pytest.FixtureRequest) -> FakeChatModel:
    return FakeChatModel(lambda messages: REPLIES[getattr(request, "param", "invented")])


def ask(client: TestClient, question: str = POOL_QUESTION) -> dict:
    response = client.post("/api/chat", json={"message": question, "mode": "generative"})
    assert response.status_code == 200
    return response.json()


def test_the_invented_amount_falls_back_to_the_extractive_answer_with_a_note(client: TestClient) -> None:
    body = ask(client)
    assert "290,00" not in body["answer"]
    assert body["answer"].startswith(NOTE) and "un montant" in body["answer"]
    assert "4,50 euros l'entrée. » [1]" in body["answer"]  # the extractive answer's quote
    assert body["mode"] == "extractive" and 1 in body["citations"]
    assert body["grounding"] == {"checked": True, "refused": True, "reason": "unsupported",
                                 "unsupported": ["amount"]}


@pytest.mark.parametrize("model", ["grounded"], indirect=True)
def test_a_grounded_answer_with_a_valid_citation_is_kept(client: TestClient) -> None:
    body = ask(client)
    assert body["answer"] == REPLIES["grounded"] and body["mode"] == "generative"
    assert body["grounding"] == {"checked": True, "refused": False, "reason": "grounded", "unsupported": []}


@pytest.mark.parametrize("model", ["uncited"], indirect=True)
def test_an_answer_without_citation_is_refused(client: TestClient) -> None:
    body = ask(client)
    assert body["answer"].startswith(NOTE) and "aucune source" in body["answer"]
    assert body["grounding"]["reason"] == "no_citation" and body["mode"] == "extractive"


def test_extractive_answers_are_not_checked(client: TestClient) -> None:
    body = client.post("/api/chat", json={"message": POOL_QUESTION, "mode": "extractive"}).json()
    assert body["grounding"] is None


def test_the_stream_never_carries_the_invented_amount(client: TestClient) -> None:
    response = client.post("/api/chat/stream", json={"message": POOL_QUESTION, "mode": "generative"})
    events = sse_events(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[:2] == ["meta", "sources"] and kinds[-2:] == ["replace", "done"]
    assert "token" not in kinds  # the first sentence already held a fact found in no source
    assert "290,00" not in response.text
    replaced, done = events[-2][1], events[-1][1]
    assert replaced["answer"] == done["answer"] and replaced["reason"] == "unsupported"


def test_generation_stops_at_the_first_fact_found_in_no_source(client: TestClient, services: AppServices) -> None:
    ask(client)
    assert 0 < services.gate.stats.tokens_generated < len(INVENTED.split())


@pytest.mark.parametrize("model", ["grounded"], indirect=True)
def test_the_stream_of_a_grounded_answer_is_its_tokens(client: TestClient) -> None:
    events = sse_events(client.post("/api/chat/stream", json={"message": POOL_QUESTION, "mode": "generative"}).text)
    assert "replace" not in [kind for kind, _ in events]
    assert "".join(data["text"] for kind, data in events if kind == "token") == REPLIES["grounded"]


def test_the_openai_api_gets_the_fallback_too(client: TestClient) -> None:
    payload = {"model": "assistant-rag-generative", "messages": [{"role": "user", "content": POOL_QUESTION}]}
    answer = client.post("/v1/chat/completions", json=payload).json()["choices"][0]["message"]["content"]
    assert answer.startswith(NOTE) and "290,00" not in answer
    streamed = client.post("/v1/chat/completions", json={**payload, "stream": True}).text
    chunks = [json.loads(line[6:]) for line in streamed.splitlines() if line.startswith("data: {")]
    content = "".join(chunk["choices"][0]["delta"].get("content") or "" for chunk in chunks)
    assert content == answer


def test_the_stored_conversation_holds_the_fallback(client: TestClient) -> None:
    body = ask(client)
    messages = client.get(f"/api/conversations/{body['conversation_id']}").json()["messages"]
    assert messages[-1]["content"] == body["answer"] and "290,00" not in messages[-1]["content"]
    assert messages[-1]["mode"] == "extractive"
