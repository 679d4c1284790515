"""Directories (file; Keycloak against a local fake of its admin API), access preview, and the CLI's
`ask --as-user` / `access` on a small index."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from assistant.access import AccessService
from assistant.audit import AuditLog
from assistant.cli.app import app, register_commands
from assistant.config import OidcSettings, Settings, load_settings
from assistant.directory import (
    DirectoryEntry,
    DirectoryUnavailable,
    FileUserDirectory,
    KeycloakUserDirectory,
    UnknownUser,
    principal_for,
)
from assistant.runtime import Runtime
from tests.assistant.api.conftest import fill
from tests.fakes import HashingEmbeddings

DEV_IDP_USERS = Path(__file__).resolve().parents[2] / "deploy" / "dev-idp" / "users.yaml"
USERS = """
users:
  - {username: julien.bernard, roles: [agent], groups: [urbanisme]}
  - {username: rh.agent, roles: [agent], groups: [/ressources-humaines]}
  - {username: sophie.petit, roles: [citizen_service], groups: [relation-usagers]}
  - {username: parti, roles: [agent], groups: [ressources-humaines], enabled: false}
"""


def test_principal_is_mapped_exactly_as_from_a_token() -> None:
    oidc = OidcSettings.model_validate({"roles": {"agent": "assistant-agent"}, "groups_claim": "ext.groups"})
    entry = DirectoryEntry("julien", ("/pole/urbanisme", "/rh"), ("assistant-agent", "default-roles-demo", "agent"))
    principal = principal_for(entry, oidc)
    assert principal.username == "julien"
    assert principal.groups == {"pole/urbanisme", "rh"}
    assert principal.roles == {"agent"}  # Keycloak's default roles and unmapped names give nothing


def test_file_directory_reads_the_dev_idp_schema(tmp_path: Path) -> None:
    if not DEV_IDP_USERS.exists():
        pytest.skip("deploy/dev-idp/users.yaml absent")
    entry = FileUserDirectory(DEV_IDP_USERS).lookup("Julien.Bernard")
    assert (entry.username, entry.groups, entry.realm_roles) == ("julien.bernard", ("urbanisme",), ("agent",))
    with pytest.raises(UnknownUser):
        FileUserDirectory(DEV_IDP_USERS).lookup("nobody")
    (tmp_path / "bad.yaml").write_text("users: [{roles: []}]", encoding="utf-8")
    with pytest.raises(DirectoryUnavailable, match=r"bad\.yaml"):
        FileUserDirectory(tmp_path / "bad.yaml").lookup("x")


@pytest.fixture
def index_settings(tmp_path: Path) -> Iterator[Settings]:
    """A small index on disk (public: every agent; rh: ressources-humaines) and a users file."""
    (tmp_path / "users.yaml").write_text(USERS, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n"
                      f"directory:\n  backend: file\n  file: {tmp_path / 'users.yaml'}\n", encoding="utf-8")
    settings = load_settings(config, environ={})
    runtime = Runtime(settings)
    runtime.__dict__["embeddings"] = HashingEmbeddings()
    (tmp_path / "files").mkdir()
    fill(runtime, runtime.embeddings, tmp_path / "files")  # type: ignore[arg-type]
    runtime.close()
    yield settings


def test_preview_shows_exactly_the_collections_of_the_users_groups(index_settings: Settings) -> None:
    runtime = Runtime(index_settings)
    runtime.__dict__["embeddings"] = HashingEmbeddings()
    access = AccessService.for_runtime(runtime)
    try:
        julien, rh = access.preview_access("julien.bernard"), access.preview_access("rh.agent")
    finally:
        runtime.close()
    assert [c["name"] for c in julien["collections"]] == ["public"]
    assert {d["source"] for d in julien["documents"]} == {"dechets.pdf", "piscine.xlsx"}
    assert [(c["name"], c["groups"]) for c in rh["collections"]] == [("public", []), ("rh", ["ressources-humaines"])]
    assert {d["source"] for d in rh["documents"]} == {"dechets.pdf", "piscine.xlsx", "primes.docx"}


@pytest.fixture
def cli(index_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("ASSISTANT_CONFIG", "ASSISTANT_DATA_DIR", "ASSISTANT_DIRECTORY", "ASSISTANT_DIRECTORY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("assistant.runtime.build_embeddings", lambda *_: HashingEmbeddings())
    register_commands()
    config = str(index_settings.data_path.parent / "config.yaml")
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, ["--config", config, *args])


def test_ask_as_user_answers_with_exactly_that_users_rights(cli: Any, index_settings: Settings) -> None:
    question = "prime annuelle des agents de catégorie C"
    as_rh = cli("ask", question, "--as-user", "rh.agent", "--json", "--passages-only")
    assert as_rh.exit_code == 0, as_rh.output
    assert json.loads(as_rh.output)["passages"][0]["source"] == "primes.docx"
    as_julien = json.loads(cli("ask", question, "--as-user", "julien.bernard", "--json", "--passages-only").output)
    assert {p["collection"] for p in as_julien["passages"]} == {"public"}
    assert cli("ask", question, "--as-user", "julien.bernard", "--collection", "rh").exit_code == 1
    unknown = cli("ask", question, "--as-user", "inconnu")
    assert unknown.exit_code == 1 and "unknown user 'inconnu'" in unknown.output
    assert cli("ask", question, "--as-user", "sophie.petit").exit_code == 1  # no agent role
    assert "disabled" in cli("ask", question, "--as-user", "parti").output
    runtime = Runtime(index_settings)
    events = AuditLog(runtime.database, index_settings.audit).query(action="ask_as_user")
    runtime.close()
    assert [(e.target, e.status) for e in events][-2:] == [("username=julien.bernard", 0), ("username=rh.agent", 0)]
    assert events[-1].username.startswith("cli:") and events[-1].question is None


def test_access_command_prints_what_the_user_can_see(cli: Any) -> None:
    shown = cli("access", "rh.agent")
    assert shown.exit_code == 0 and "ressources-humaines" in shown.output
    assert [line.split()[1] for line in shown.output.splitlines() if line.startswith("│")] == ["public", "rh"]
    preview = json.loads(cli("access", "julien.bernard", "--json").output)
    assert [c["name"] for c in preview["collections"]] == ["public"]
    assert "no 'agent' role" in cli("access", "sophie.petit").output
    assert cli("access", "inconnu").exit_code == 1


class FakeKeycloakAdmin(BaseHTTPRequestHandler):
    """Just enough of Keycloak's token endpoint and admin REST API (realm "demo") for the directory."""

    SECRET, TOKEN = "s3cret", "admin-token"
    USERS: ClassVar[list[dict[str, Any]]] = [{"id": "u1", "username": "julien.bernard", "enabled": True},
                                           {"id": "u2", "username": "julien.bernard2", "enabled": True}]
    GROUPS: ClassVar = {"u1": [{"id": "g1", "name": "urbanisme", "path": "/pole/urbanisme"}]}
    ROLES: ClassVar = {"u1": [{"id": "r1", "name": "agent"}, {"id": "r2", "name": "default-roles-demo"}]}
    seen: ClassVar[list[str]] = []

    def log_message(self, *_: Any) -> None:
        pass

    def _json(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        if self.path != "/realms/demo/protocol/openid-connect/token":
            return self._json(404, {})
        if form.get("grant_type") != ["client_credentials"] or form.get("client_secret") != [self.SECRET]:
            return self._json(401, {"error": "unauthorized_client"})
        self._json(200, {"access_token": self.TOKEN, "expires_in": 300, "token_type": "Bearer"})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        type(self).seen.append(self.path)
        if self.headers.get("Authorization") != f"Bearer {self.TOKEN}":
            return self._json(401, {"error": "HTTP 401 Unauthorized"})
        query, parts = parse_qs(url.query), url.path.strip("/").split("/")
        if parts[:4] != ["admin", "realms", "demo", "users"]:
            return self._json(404, {})
        if len(parts) == 4:
            wanted = query["username"][0]
            exact = query.get("exact") == ["True"]
            users = [u for u in self.USERS if (u["username"] == wanted if exact else wanted in u["username"])]
            return self._json(200, users if query.get("first") == ["0"] else [])
        if parts[5:] == ["groups"]:
            return self._json(200, self.GROUPS.get(parts[4], []) if query.get("first") == ["0"] else [])
        if parts[5:] == ["role-mappings", "realm", "composite"]:
            return self._json(200, self.ROLES.get(parts[4], []))
        self._json(404, {})


@pytest.fixture
def keycloak_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKeycloakAdmin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def keycloak_directory(
    url: str, secret: str = FakeKeycloakAdmin.SECRET, full_path: bool = True
) -> KeycloakUserDirectory:
    oidc = OidcSettings.model_validate({"server_url": url, "realm": "demo", "client_id": "assistant",
                                        "client_secret": secret, "timeout_s": 5})
    return KeycloakUserDirectory(oidc, group_full_path=full_path)


def test_keycloak_directory_reads_groups_and_effective_roles(keycloak_url: str) -> None:
    FakeKeycloakAdmin.seen = []
    entry = keycloak_directory(keycloak_url).lookup("julien.bernard")
    assert entry == DirectoryEntry("julien.bernard", ("/pole/urbanisme",), ("agent", "default-roles-demo"))
    assert any("username=julien.bernard" in path and "exact=True" in path for path in FakeKeycloakAdmin.seen)
    assert principal_for(entry, OidcSettings()).groups == {"pole/urbanisme"}
    assert keycloak_directory(keycloak_url, full_path=False).lookup("julien.bernard").groups == ("urbanisme",)
    with pytest.raises(UnknownUser):
        keycloak_directory(keycloak_url).lookup("julien")  # a prefix is not the user


def test_keycloak_directory_explains_what_to_fix(keycloak_url: str) -> None:
    with pytest.raises(DirectoryUnavailable, match="view-users"):
        keycloak_directory(keycloak_url, secret="wrong").lookup("julien.bernard")
    with pytest.raises(DirectoryUnavailable, match="client_secret"):
        keycloak_directory(keycloak_url, secret="").lookup("julien.bernard")
    with pytest.raises(DirectoryUnavailable):
        keycloak_directory("http://127.0.0.1:9/").lookup("julien.bernard")
