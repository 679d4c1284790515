"""The admin API: access preview (file directory), collection groups, audit log, conversation metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.access import AccessService
from assistant.api.services import AppServices
from assistant.config import PrivacySettings, Settings, load_settings
from assistant.principal import Principal
from tests.assistant.api.conftest import SwitchableAuthenticator

USERS = """
users:
  - {username: julien.bernard, password: x, roles: [agent], groups: [urbanisme]}
  - {username: rh.agent, roles: [agent, default-roles-demo], groups: [/ressources-humaines]}
  - {username: admin, roles: [admin], groups: []}
"""
ADMIN = Principal.of("admin", roles=["admin"])
JULIEN = Principal.of("julien.bernard", groups=["urbanisme"], roles=["agent"])


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    (tmp_path / "users.yaml").write_text(USERS, encoding="utf-8")
    return load_settings(environ={"ASSISTANT_DATA_DIR": str(tmp_path / "data")}, profile="development",
                         auth={"mode": "development"}, chat={"min_similarity": 0.2},
                         directory={"backend": "file", "file": str(tmp_path / "users.yaml")})


def act_as(authenticator: SwitchableAuthenticator, principal: Principal) -> None:
    authenticator.principal = principal


ADMIN_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/admin/users/julien.bernard/access", None), ("GET", "/api/admin/collections", None),
    ("PUT", "/api/admin/collections/rh/groups", {"groups": []}), ("GET", "/api/admin/audit", None),
    ("GET", "/api/admin/conversations?user=alice", None),
]


def test_admin_endpoints_are_forbidden_to_agents_and_the_attempts_audited(
    client: TestClient, services: AppServices,
) -> None:
    for method, url, body in ADMIN_CALLS:
        assert client.request(method, url, json=body).status_code == 403, url
    attempts = services.audit.query(user="alice")
    assert len(attempts) == 5 and {e.status for e in attempts} == {403}
    assert {e.action for e in attempts} == {"admin.user_access", "admin.list_collections",
                                            "admin.set_collection_groups", "admin.audit_events",
                                            "admin.user_conversations"}
    assert services.runtime.knowledge.catalog.collection("rh").groups == ["ressources-humaines"]  # type: ignore[union-attr]


def test_access_preview_shows_exactly_the_collections_of_the_users_groups(
    client: TestClient, services: AppServices, authenticator: SwitchableAuthenticator,
) -> None:
    act_as(authenticator, ADMIN)
    catalog = services.runtime.knowledge.catalog
    rh = client.get("/api/admin/users/rh.agent/access").json()
    assert (rh["groups"], rh["roles"], rh["can_chat"]) == (["ressources-humaines"], ["agent"], True)
    assert [(c["name"], c["documents"]) for c in rh["collections"]] == [("public", 2), ("rh", 1)]
    assert {d["id"] for d in rh["documents"]} == {d.id for d in catalog.documents()}
    julien = client.get("/api/admin/users/julien.bernard/access").json()
    assert [c["name"] for c in julien["collections"]] == ["public"]
    assert {d["collection"] for d in julien["documents"]} == {"public"}
    admin = client.get("/api/admin/users/admin/access").json()
    assert admin["can_chat"] is False and admin["roles"] == ["admin"]
    assert client.get("/api/admin/users/inconnu/access").status_code == 404
    assert services.audit.query(action="admin.user_access")[0].target == "username=inconnu"


def test_put_groups_changes_retrieval_at_once_without_reembedding(
    client: TestClient, services: AppServices, authenticator: SwitchableAuthenticator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    knowledge = services.runtime.knowledge
    vector_ids = knowledge.vectors.ids("rh")

    def no_embedding(*_: object) -> None:
        raise AssertionError("nothing may be re-embedded")

    monkeypatch.setattr(services.runtime.embeddings, "embed_passages", no_embedding)
    act_as(authenticator, JULIEN)
    before = client.get("/api/search", params={"q": "prime annuelle catégorie C"}).json()
    assert before["collections"] == ["public"]
    act_as(authenticator, ADMIN)
    changed = client.put("/api/admin/collections/rh/groups", json={"groups": ["ressources-humaines", "/urbanisme"]})
    assert changed.json() == {"name": "rh", "groups": ["ressources-humaines", "urbanisme"], "documents": 1}
    act_as(authenticator, JULIEN)
    after = client.get("/api/search", params={"q": "prime annuelle catégorie C"}).json()
    assert after["collections"] == ["public", "rh"]
    assert after["passages"][0]["collection"] == "rh"
    assert knowledge.vectors.ids("rh") == vector_ids
    act_as(authenticator, ADMIN)
    assert client.put("/api/admin/collections/absente/groups", json={"groups": []}).status_code == 404
    assert client.put("/api/admin/collections/rh/groups", json={"groups": [""]}).status_code == 422
    [audited] = [e for e in services.audit.query(action="admin.set_collection_groups") if e.status == 200]
    assert audited.target == "name=rh groups=ressources-humaines,/urbanisme"
    assert [c["groups"] for c in client.get("/api/admin/collections").json()] == [
        [], ["ressources-humaines", "urbanisme"]]


def test_audit_endpoint_filters_by_user_and_action(
    client: TestClient, services: AppServices, authenticator: SwitchableAuthenticator,
) -> None:
    client.post("/api/chat", json={"message": "encombrants rendez-vous", "mode": "extractive"})
    act_as(authenticator, JULIEN)
    client.get("/api/search", params={"q": "piscine"})
    act_as(authenticator, ADMIN)
    alice = client.get("/api/admin/audit", params={"user": "alice"}).json()["events"]
    assert [(e["action"], e["status"]) for e in alice] == [("chat", 200)] and alice[0]["retrieved"]
    searches = client.get("/api/admin/audit", params={"action": "search", "since": "2000-01-01T00:00:00"})
    assert [e["username"] for e in searches.json()["events"]] == ["julien.bernard"]
    assert client.get("/api/admin/audit", params={"limit": 1}).json()["events"][0]["action"] == "admin.audit_events"


def test_conversations_show_metadata_only_unless_configured(
    client: TestClient, services: AppServices, authenticator: SwitchableAuthenticator,
) -> None:
    question = "Comment faire enlever des encombrants ?"
    conversation_id = client.post("/api/chat", json={"message": question, "mode": "extractive"}).json()[
        "conversation_id"]
    act_as(authenticator, ADMIN)
    [item] = client.get("/api/admin/conversations", params={"user": "alice"}).json()
    assert item["id"] == conversation_id and item["messages"] == 2
    assert set(item) == {"id", "created_at", "updated_at", "messages"} and "encombrants" not in str(item)
    runtime = services.runtime
    services.access = AccessService(services.access.directory, runtime.knowledge, runtime.retrieval,
                                    runtime.database, runtime.settings.auth.oidc,
                                    PrivacySettings(admin_can_read_content=True))
    [readable] = client.get("/api/admin/conversations", params={"user": "alice"}).json()
    assert readable["title"] == question and readable["content"][0]["content"] == question
    assert client.get("/api/admin/conversations").status_code == 422
