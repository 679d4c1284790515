"""`KeycloakUserDirectory` against the development identity provider's admin REST API (deploy/dev-idp):
groups and effective realm roles as in the realm file and as a login token carries them, unknown users, the
errors an operator must be able to act on, and `assistant ask --as-user` / `access` / the access preview
with `directory.backend: keycloak`."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml

from assistant.config import DirectorySettings, OidcSettings, Settings, load_settings
from assistant.identity.directory import (
    DirectoryUnavailable,
    KeycloakUserDirectory,
    UnknownUser,
    build_directory,
    principal_for,
)
from assistant.identity.tokens import principal_from_claims
from tests.assistant.test_access import build_index, check_ask_as_user, cli_for, preview_access
from tests.support.dev_idp import TEST_REDIRECT_URI, DevIdp, LoginFailed, dev_idp_unavailable_reason, start_dev_idp

pytestmark = pytest.mark.skipif(dev_idp_unavailable_reason() is not None,
                                reason=str(dev_idp_unavailable_reason()))

REALM = f"""
realm: demo
default_roles: ["default-roles-${{realm}}", offline_access, uma_authorization]
roles: [agent, citizen_service, analyst]
groups: [urbanisme, ressources-humaines, pole-social/ressources-humaines, relation-usagers]
users:
  - {{username: julien.bernard, password: julien-dev, roles: [agent], groups: [urbanisme]}}
  - {{username: rh.agent, password: rh-dev, roles: [agent], groups: [ressources-humaines]}}
  - {{username: rh.pole, password: pole-dev, roles: [agent, analyst],
     groups: [pole-social/ressources-humaines, relation-usagers]}}
  - {{username: sophie.petit, password: sophie-dev, roles: [citizen_service], groups: [relation-usagers]}}
  - {{username: parti, password: parti-dev, roles: [agent], groups: [ressources-humaines], enabled: false}}
clients:
  - client_id: assistant
    secret: assistant-dev-secret
    redirect_uris: [{TEST_REDIRECT_URI}]
    service_account: {{client_roles: {{realm-management: [view-users]}}}}
  - client_id: sans-droits                # service account without view-users
    secret: sans-droits-secret
    redirect_uris: [{TEST_REDIRECT_URI}]
    service_account: true
  - client_id: sans-compte                # no service account (no client_credentials)
    secret: sans-compte-secret
    redirect_uris: [{TEST_REDIRECT_URI}]
"""
USERS = {u["username"]: u for u in yaml.safe_load(REALM)["users"]}
DEFAULT_ROLES = {"default-roles-demo", "offline_access", "uma_authorization"}
QUESTION = "prime annuelle des agents de catégorie C"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    users_file = tmp_path_factory.mktemp("realm") / "users.yaml"
    users_file.write_text(REALM, encoding="utf-8")
    server = start_dev_idp(users_file=users_file)
    yield server
    server.stop()


def oidc(idp: DevIdp, **overrides: Any) -> dict[str, Any]:
    """auth.oidc for the dev IdP's realm, as the assistant's own client."""
    return {"server_url": idp.server_url, "realm": "demo", "client_id": "assistant",
            "client_secret": "assistant-dev-secret", "timeout_s": 5, **overrides}


def directory(idp: DevIdp, full_path: bool = True, **overrides: Any) -> KeycloakUserDirectory:
    return KeycloakUserDirectory(OidcSettings.model_validate(oidc(idp, **overrides)), full_path, development=True)


def test_groups_and_effective_realm_roles_are_those_of_the_realm_file(idp: DevIdp) -> None:
    by_path, by_name = directory(idp), directory(idp, full_path=False)
    for username, user in USERS.items():
        entry = by_path.lookup(username)
        assert entry.username == username and entry.enabled is (user.get("enabled", True))
        assert set(entry.groups) == {f"/{group}" for group in user["groups"]}, username
        assert set(entry.realm_roles) == DEFAULT_ROLES | set(user["roles"]), username
        assert set(by_name.lookup(username).groups) == {group.split("/")[-1] for group in user["groups"]}
    assert by_path.lookup("RH.Pole").username == "rh.pole"  # Keycloak stores usernames lower-cased


def test_a_preview_grants_what_the_users_login_token_grants(idp: DevIdp) -> None:
    settings = OidcSettings.model_validate(oidc(idp))
    for username in ("rh.pole", "sophie.petit"):
        token = idp.login(username, USERS[username]["password"])["access_token"]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert principal_for(directory(idp).lookup(username), settings) == principal_from_claims(claims, settings)


def test_unknown_and_disabled_users(idp: DevIdp) -> None:
    for name in ("inconnu", "julien", "rh"):  # a prefix of a username is not that user
        with pytest.raises(UnknownUser):
            directory(idp).lookup(name)
    assert directory(idp).lookup("parti").enabled is False
    with pytest.raises(LoginFailed, match="désactivé"):
        idp.login("parti", "parti-dev")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_errors_say_what_to_fix(idp: DevIdp) -> None:
    with pytest.raises(DirectoryUnavailable, match=r"refused the client credentials.*HTTP 401.*client_secret"):
        directory(idp, client_secret="faux").lookup("julien.bernard")
    with pytest.raises(DirectoryUnavailable, match=r"HTTP 401.*not enabled to retrieve service account.*Service acc"):
        directory(idp, client_id="sans-compte", client_secret="sans-compte-secret").lookup("julien.bernard")
    with pytest.raises(DirectoryUnavailable, match=r"HTTP 403.*view-users"):
        directory(idp, client_id="sans-droits", client_secret="sans-droits-secret").lookup("julien.bernard")
    with pytest.raises(DirectoryUnavailable, match=r"HTTP 404.*auth\.oidc\.realm"):
        directory(idp, realm="autre").lookup("julien.bernard")
    down = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(DirectoryUnavailable, match=f"cannot reach Keycloak at {down} .*Keycloak is running"):
        directory(idp, server_url=down).lookup("julien.bernard")


def test_the_development_provider_is_refused_outside_development(idp: DevIdp, tmp_path: Path) -> None:
    def settings(profile: str) -> Settings:
        return load_settings(environ={"ASSISTANT_DATA_DIR": str(tmp_path)}, profile=profile,
                             auth={"oidc": oidc(idp)}, directory={"backend": "keycloak"})

    with pytest.raises(DirectoryUnavailable, match="development identity provider: refused unless profile"):
        build_directory(settings("production")).lookup("julien.bernard")
    assert build_directory(settings("development")).lookup("julien.bernard").groups == ("/urbanisme",)


@pytest.fixture
def keycloak_index(idp: DevIdp, tmp_path: Path) -> Settings:
    """The small index of test_access (public: every agent; rh: ressources-humaines), users from Keycloak."""
    return build_index(tmp_path, profile="development", auth={"oidc": oidc(idp)},
                       directory={"backend": "keycloak", "group_full_path": True})


def test_preview_shows_exactly_the_collections_of_the_users_keycloak_groups(keycloak_index: Settings) -> None:
    rh, julien, pole = preview_access(keycloak_index, "rh.agent", "julien.bernard", "rh.pole")
    assert [(c["name"], c["groups"]) for c in rh["collections"]] == [("public", []), ("rh", ["ressources-humaines"])]
    assert {d["source"] for d in rh["documents"]} == {"dechets.pdf", "piscine.xlsx", "primes.docx"}
    assert (julien["groups"], [c["name"] for c in julien["collections"]]) == (["urbanisme"], ["public"])
    # Full paths: a subgroup "pole-social/ressources-humaines" is not the group "ressources-humaines"...
    assert [c["name"] for c in pole["collections"]] == ["public"]
    assert pole["roles"] == ["agent", "analyst"]
    by_name = keycloak_index.model_copy(update={"directory": DirectorySettings(group_full_path=False)})
    (pole_by_name,) = preview_access(by_name, "rh.pole")  # ...but with names only, it is
    assert [c["name"] for c in pole_by_name["collections"]] == ["public", "rh"]


def test_ask_as_user_and_access_read_the_users_rights_from_keycloak(
    keycloak_index: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = cli_for(keycloak_index, monkeypatch)
    check_ask_as_user(cli, QUESTION)
    shown = json.loads(cli("access", "rh.pole", "--json").output)
    assert (shown["groups"], [c["name"] for c in shown["collections"]]) == (
        ["pole-social/ressources-humaines", "relation-usagers"], ["public"])
