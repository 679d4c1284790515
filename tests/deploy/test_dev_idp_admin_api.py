"""The dev IdP's subset of Keycloak's admin REST API: a service account's client_credentials token, 401 without
a valid token, 403 without view-users, and Keycloak's JSON shapes for users, groups and realm roles."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.deploy.dev_idp_helpers import KEYCLOAK_DEFAULT_ROLES, USERS, login, validate
from tests.support.dev_idp import DevIdp, dev_idp_unavailable_reason

_reason = dev_idp_unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)

SECRET = "assistant-dev-secret"


def service_token(idp: DevIdp, secret: str = SECRET) -> httpx.Response:
    return httpx.post(idp.token_endpoint, data={"grant_type": "client_credentials", "scope": "openid"},
                      auth=("assistant", secret), timeout=10)


def admin_get(idp: DevIdp, path: str, token: str | None, **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{idp.server_url}admin/realms/demo{path}", params=params, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def token(idp: DevIdp) -> str:
    response = service_token(idp)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def user_id(idp: DevIdp, token: str, username: str) -> str:
    return str(admin_get(idp, "/users", token, username=username, exact="true").json()[0]["id"])


def test_service_account_token_is_keycloak_shaped(idp: DevIdp, token: str) -> None:
    claims = validate(idp, token)
    assert (claims["typ"], claims["azp"], claims["client_id"]) == ("Bearer", "assistant", "assistant")
    assert claims["preferred_username"] == "service-account-assistant"
    assert claims["sub"] == user_id(idp, token, "service-account-assistant")  # its service-account user
    assert set(claims["resource_access"]["realm-management"]["roles"]) == {"view-users", "query-users",
                                                                          "query-groups"}
    assert set(claims["realm_access"]["roles"]) == KEYCLOAK_DEFAULT_ROLES
    assert service_token(idp, secret="faux").json()["error"] == "invalid_client"


def test_admin_api_needs_a_valid_bearer_token(idp: DevIdp, token: str) -> None:
    for bad in (None, "pas-un-jeton", token[:-4] + "AAAA"):
        response = admin_get(idp, "/users", bad)
        assert response.status_code == 401, bad
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert admin_get(idp, "/clients", None).status_code == 401  # before anything else


def test_a_token_without_view_users_is_forbidden(idp: DevIdp, token: str) -> None:
    julien = login(idp, "julien.bernard")["access_token"]  # a user's token: no realm-management role
    assert admin_get(idp, "/users", julien, username="julien.bernard").status_code == 403
    target = user_id(idp, token, "claire.martin")
    for path in ("", "/groups", "/role-mappings/realm/composite"):
        assert admin_get(idp, f"/users/{target}{path}", julien).status_code == 403, path
    assert admin_get(idp, "/users/no-such-id", julien).status_code == 403  # no probing of ids


def test_users_are_searched_like_keycloak(idp: DevIdp, token: str) -> None:
    everyone = [u["username"] for u in admin_get(idp, "/users", token).json()]
    assert everyone == sorted(u["username"] for u in USERS["users"])  # service accounts are not listed
    assert [u["username"] for u in admin_get(idp, "/users", token, first=1, max=2).json()] == everyone[1:3]
    assert [u["username"] for u in admin_get(idp, "/users", token, username="JULIEN").json()] == ["julien.bernard"]
    assert admin_get(idp, "/users", token, username="julien", exact="True").json() == []
    assert [u["username"] for u in admin_get(idp, "/users", token, search="mart").json()] == ["claire.martin"]
    assert [u["username"] for u in admin_get(idp, "/users", token, search="*ARTI*").json()] == ["claire.martin"]
    assert admin_get(idp, "/users", token, search="arti").json() == []  # prefix by default


def test_user_group_and_role_representations(idp: DevIdp, token: str) -> None:
    user = admin_get(idp, "/users", token, username="julien.bernard", exact="true").json()[0]
    assert {"id", "username", "enabled", "emailVerified", "firstName", "lastName", "email",
            "createdTimestamp"} <= set(user)
    assert (user["username"], user["enabled"], user["firstName"]) == ("julien.bernard", True, "Julien")
    assert admin_get(idp, f"/users/{user['id']}", token).json()["username"] == "julien.bernard"
    groups = admin_get(idp, f"/users/{user['id']}/groups", token, briefRepresentation="True").json()
    assert [(set(g), g["name"], g["path"]) for g in groups] == [({"id", "name", "path"}, "urbanisme", "/urbanisme")]
    roles = {r["name"]: r for r in admin_get(idp, f"/users/{user['id']}/role-mappings/realm/composite", token).json()}
    assert set(roles) == KEYCLOAK_DEFAULT_ROLES | {"agent"}
    assert {r["containerId"] for r in roles.values()} == {roles["agent"]["containerId"]}
    assert not any(r["clientRole"] for r in roles.values())
    assert [name for name, r in roles.items() if r["composite"]] == ["default-roles-demo"]
    direct = admin_get(idp, f"/users/{user['id']}/role-mappings/realm", token).json()
    assert {r["name"] for r in direct} == {"default-roles-demo", "agent"}


def test_unknown_user_realm_resource_and_method(idp: DevIdp, token: str) -> None:
    assert admin_get(idp, "/users/no-such-id", token).json() == {"error": "User not found"}
    assert admin_get(idp, "/users/no-such-id/groups", token).status_code == 404
    assert httpx.get(f"{idp.server_url}admin/realms/other/users", headers={"Authorization": f"Bearer {token}"},
                     timeout=10).status_code == 404
    assert admin_get(idp, "/clients", token).status_code == 404
    created = httpx.post(f"{idp.server_url}admin/realms/demo/users", json={"username": "x"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert created.status_code == 405  # read-only
