"""The file directory, the mapping of a directory entry to a principal, the access preview, and the CLI's
`ask --as-user` / `access` on a small index. (The Keycloak directory, against the development identity
provider's admin API: tests/assistant/test_directory_keycloak.py, which reuses the helpers below.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from assistant.access import AccessService
from assistant.audit import AuditLog
from assistant.cli.app import app, register_commands
from assistant.config import OidcSettings, Settings, load_settings
from assistant.identity.directory import (
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


def build_index(tmp_path: Path, **config: Any) -> Settings:
    """A small index on disk (public: every agent; rh: ressources-humaines), with `config` (config.yaml keys)
    written to tmp_path/config.yaml for the CLI."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"data_dir": str(tmp_path / "data"), **config}), encoding="utf-8")
    settings = load_settings(path, environ={})
    runtime = Runtime(settings)
    runtime.__dict__["embeddings"] = HashingEmbeddings()
    (tmp_path / "files").mkdir()
    fill(runtime, runtime.embeddings, tmp_path / "files")  # type: ignore[arg-type]
    runtime.close()
    return settings


def preview_access(settings: Settings, *usernames: str) -> list[dict[str, Any]]:
    """What the admin access preview shows for each user (`AccessService`, as the API route calls it)."""
    runtime = Runtime(settings)
    runtime.__dict__["embeddings"] = HashingEmbeddings()
    try:
        access = AccessService.for_runtime(runtime)
        return [access.preview_access(username) for username in usernames]
    finally:
        runtime.close()


def cli_for(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Runs `assistant --config <the index's config.yaml> ARGS...` in-process."""
    for name in ("ASSISTANT_CONFIG", "ASSISTANT_DATA_DIR", "ASSISTANT_DIRECTORY", "ASSISTANT_DIRECTORY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("assistant.runtime.build_embeddings", lambda *_: HashingEmbeddings())
    register_commands()
    config = str(settings.data_path.parent / "config.yaml")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["--config", config, *args])


@pytest.fixture
def index_settings(tmp_path: Path) -> Settings:
    """The small index, with the users file above as directory."""
    (tmp_path / "users.yaml").write_text(USERS, encoding="utf-8")
    return build_index(tmp_path, directory={"backend": "file", "file": str(tmp_path / "users.yaml")})


def test_preview_shows_exactly_the_collections_of_the_users_groups(index_settings: Settings) -> None:
    julien, rh = preview_access(index_settings, "julien.bernard", "rh.agent")
    assert [c["name"] for c in julien["collections"]] == ["public"]
    assert {d["source"] for d in julien["documents"]} == {"dechets.pdf", "piscine.xlsx"}
    assert [(c["name"], c["groups"]) for c in rh["collections"]] == [("public", []), ("rh", ["ressources-humaines"])]
    assert {d["source"] for d in rh["documents"]} == {"dechets.pdf", "piscine.xlsx", "primes.docx"}


@pytest.fixture
def cli(index_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    return cli_for(index_settings, monkeypatch)


def check_ask_as_user(cli: Callable[..., Any], question: str) -> None:
    """What `ask --as-user` must show of the index's users, whichever directory names their rights."""
    as_rh = cli("ask", question, "--as-user", "rh.agent", "--json", "--passages-only")
    assert as_rh.exit_code == 0, as_rh.output
    assert json.loads(as_rh.output)["passages"][0]["source"] == "primes.docx"
    as_julien = json.loads(cli("ask", question, "--as-user", "julien.bernard", "--json", "--passages-only").output)
    assert {p["collection"] for p in as_julien["passages"]} == {"public"}
    assert all("path" not in p for p in as_julien["passages"])  # a server path is for admins only
    assert cli("ask", question, "--as-user", "julien.bernard", "--collection", "rh").exit_code == 1
    unknown = cli("ask", question, "--as-user", "inconnu")
    assert unknown.exit_code == 1 and "unknown user 'inconnu'" in unknown.output
    assert cli("ask", question, "--as-user", "sophie.petit").exit_code == 1  # no agent role
    assert "disabled" in cli("ask", question, "--as-user", "parti").output


def test_ask_as_user_answers_with_exactly_that_users_rights(cli: Any, index_settings: Settings) -> None:
    check_ask_as_user(cli, "prime annuelle des agents de catégorie C")
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


def test_keycloak_directory_needs_the_client_secret() -> None:
    """(Against a real Keycloak look-alike: tests/assistant/test_directory_keycloak.py.)"""
    oidc = OidcSettings.model_validate({"server_url": "http://127.0.0.1:9/", "client_secret": ""})
    with pytest.raises(DirectoryUnavailable, match="client_secret"):
        KeycloakUserDirectory(oidc, development=True).lookup("julien.bernard")
