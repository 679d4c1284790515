"""The whole application on a real PostgreSQL server (`database.url`): catalog, conversations, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.services import AppServices
from assistant.config import Settings, load_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def api_settings(tmp_path: Path, postgres_url: str) -> Settings:
    """The API tests' settings (tests/assistant/api/conftest.py), with the relational store on PostgreSQL."""
    return load_settings(environ={"ASSISTANT_DATA_DIR": str(tmp_path / "data")},
                         profile="development", auth={"mode": "development"}, chat={"min_similarity": 0.2},
                         database={"url": postgres_url})


def test_chat_stores_the_conversation_and_reads_it_back(client: TestClient, services: AppServices) -> None:
    assert services.runtime.database.engine.dialect.name == "postgresql"
    first = client.post("/api/chat", json={"message": "Comment faire enlever des encombrants ?",
                                           "mode": "extractive"}).json()
    assert first["grounded"] and first["sources"][0]["source"] == "dechets.pdf"
    conversation_id = first["conversation_id"]
    client.post("/api/chat", json={"message": "et les horaires ?", "conversation_id": conversation_id,
                                   "mode": "extractive"})
    assert client.post(f"/api/messages/{first['message_id']}/feedback",
                       json={"rating": 1, "comment": "très utile"}).status_code == 204

    conversation = client.get(f"/api/conversations/{conversation_id}").json()
    messages = conversation["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[0]["content"] == "Comment faire enlever des encombrants ?"
    assert messages[1]["content"] == first["answer"] and messages[1]["rating"] == 1
    assert messages[1]["sources"][0]["document_id"] == first["sources"][0]["document_id"]
    assert conversation["created_at"].endswith("Z")  # UTC, whatever the server's time zone
    assert [c["id"] for c in client.get("/api/conversations").json()] == [conversation_id]
    assert [e.action for e in services.audit.query(action="chat")] == ["chat", "chat"]
