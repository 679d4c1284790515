"""Per-user rate limits on chat (JSON, stream, OpenAI-compatible) and search."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.services import AppServices
from assistant.config import Settings, load_settings
from assistant.principal import Principal
from tests.assistant.api.conftest import SwitchableAuthenticator

ASK = {"message": "encombrants rendez-vous", "mode": "extractive"}


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    return load_settings(environ={"ASSISTANT_DATA_DIR": str(tmp_path / "data")}, profile="development",
                         auth={"mode": "development"}, chat={"min_similarity": 0.2},
                         rate_limits={"burst": 2, "chat_per_minute": 1, "search_per_minute": 1})


def test_chat_is_refused_after_the_burst_with_retry_after(client: TestClient,
                                                         authenticator: SwitchableAuthenticator) -> None:
    assert client.post("/api/chat", json=ASK).status_code == 200
    assert client.post("/api/chat/stream", json=ASK).status_code == 200  # the same bucket
    refused = client.post("/v1/chat/completions", json={
        "model": "assistant-rag", "messages": [{"role": "user", "content": "encombrants"}]})
    assert refused.status_code == 429
    assert 55 <= int(refused.headers["retry-after"]) <= 60  # one request per minute
    assert refused.json()["detail"].startswith("Trop de demandes")
    assert client.get("/api/search", params={"q": "encombrants"}).status_code == 200  # another bucket
    authenticator.principal = Principal.of("bob", roles=["agent"])
    assert client.post("/api/chat", json=ASK).status_code == 200  # another user is not affected


def test_search_limit_and_refusals_are_audited(client: TestClient, services: AppServices) -> None:
    codes = [client.get("/api/search", params={"q": "piscine"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert [event.status for event in services.audit.query(action="search")] == [429, 200, 200]
    assert client.get("/api/collections").status_code == 200  # cheap endpoints are not limited
