"""Login with the authorization code + PKCE: Keycloak-shaped tokens, demo users, refusals."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest

from tests.deploy.dev_idp_helpers import APP_ROLES, KEYCLOAK_DEFAULT_ROLES, PASSWORDS, USERS, login, validate
from tests.support.dev_idp import (
    TEST_REDIRECT_URI,
    DevIdp,
    LoginFailed,
    dev_idp_unavailable_reason,
    pkce_pair,
    start_dev_idp,
)

_reason = dev_idp_unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)


# --- login (authorization code + PKCE) ---------------------------------------------------------


def test_login_gives_rs256_jwt_access_token_with_keycloak_claims(idp: DevIdp):
    tokens = login(idp, "julien.bernard")
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 300
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "RS256"
    assert header["typ"] == "JWT"  # Keycloak's header, not RFC 9068's at+jwt
    assert header["kid"] in {k["kid"] for k in idp.jwks()["keys"]}

    claims = validate(idp, tokens["access_token"])
    assert claims["iss"] == idp.issuer
    assert claims["aud"] == "assistant"
    assert claims["azp"] == "assistant"
    assert claims["typ"] == "Bearer"
    assert claims["preferred_username"] == "julien.bernard"
    assert claims["name"] == "Julien Bernard"
    assert claims["email"] == "julien.bernard@demo.collectivite.test"
    assert claims["groups"] == ["/urbanisme"]
    assert set(claims["realm_access"]["roles"]) == KEYCLOAK_DEFAULT_ROLES | {"agent"}
    assert 299 <= claims["exp"] - claims["iat"] <= 300
    assert claims["exp"] > time.time()


def test_id_token_carries_the_same_identity_claims(idp: DevIdp):
    tokens = login(idp, "claire.martin")
    access = validate(idp, tokens["access_token"])
    id_claims = validate(idp, tokens["id_token"])
    assert id_claims["nonce"] == tokens["nonce"]
    for claim in ("sub", "preferred_username", "name", "email", "realm_access", "groups"):
        assert id_claims[claim] == access[claim], claim
    assert id_claims["groups"] == ["/direction-generale"]


def test_sub_is_a_stable_uuid_across_restarts(idp: DevIdp):
    first = validate(idp, login(idp, "sophie.petit")["access_token"])["sub"]
    with start_dev_idp() as other:
        second = validate(other, login(other, "sophie.petit")["access_token"])["sub"]
    assert first == second
    assert len(first) == 36 and first.count("-") == 4


@pytest.mark.parametrize("user", USERS["users"], ids=lambda u: u["username"])
def test_every_demo_user_gets_its_roles_and_groups(idp: DevIdp, user: dict[str, Any]):
    claims = validate(idp, login(idp, user["username"])["access_token"])
    roles = set(claims["realm_access"]["roles"])
    assert roles & APP_ROLES == set(user["roles"])
    assert roles - APP_ROLES == KEYCLOAK_DEFAULT_ROLES
    assert claims["groups"] == [f"/{g}" for g in user["groups"]]


def test_demo_realm_has_the_expected_personas():
    by_name = {u["username"]: u for u in USERS["users"]}
    assert any("direction-generale" in u["groups"] and "agent" in u["roles"] for u in by_name.values())
    assert any("urbanisme" in u["groups"] and "agent" in u["roles"] for u in by_name.values())
    assert any("citizen_service" in u["roles"] for u in by_name.values())
    assert any("analyst" in u["roles"] for u in by_name.values())
    assert any("admin" in u["roles"] for u in by_name.values())
    assert any(not u["roles"] and not u["groups"] for u in by_name.values())


def test_wrong_password_fails(idp: DevIdp):
    with pytest.raises(LoginFailed, match="mot de passe invalide"):
        idp.login("julien.bernard", "pas-le-bon")
    with pytest.raises(LoginFailed):
        idp.login("personne", "julien-dev")


def test_pkce_is_required(idp: DevIdp):
    response = httpx.get(
        idp.authorization_endpoint,
        params={
            "client_id": "assistant",
            "redirect_uri": TEST_REDIRECT_URI,
            "response_type": "code",
            "scope": "openid",
        },
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(TEST_REDIRECT_URI)
    assert "error=invalid_request" in location and "PKCE" in location


def test_code_exchange_with_wrong_verifier_is_refused(idp: DevIdp):
    with idp.browser() as browser:
        code, _verifier, _ = browser.authorize("admin", PASSWORDS["admin"])
    other_verifier, _ = pkce_pair()
    with pytest.raises(LoginFailed, match="invalid_grant"):
        idp.exchange_code(code, other_verifier)


def test_token_endpoint_requires_the_client_secret(idp: DevIdp):
    with idp.browser() as browser:
        code, verifier, _ = browser.authorize("admin", PASSWORDS["admin"])
    with pytest.raises(LoginFailed, match="invalid_client"):
        idp.exchange_code(code, verifier, client_secret="wrong-secret")


def test_login_page_is_french_and_keycloak_shaped(idp: DevIdp):
    _, challenge = pkce_pair()
    with httpx.Client(follow_redirects=True) as http:
        page = http.get(
            idp.authorization_endpoint,
            params={
                "client_id": "assistant",
                "redirect_uri": TEST_REDIRECT_URI,
                "response_type": "code",
                "scope": "openid",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
    html = page.text
    assert page.status_code == 200
    assert '<html lang="fr">' in html
    assert 'id="kc-form-login"' in html
    assert '<label for="username">' in html and 'id="username" name="username"' in html
    assert '<label for="password">' in html and 'id="password" name="password" type="password"' in html
    assert 'id="kc-login"' in html and "Se connecter" in html
    assert ":focus-visible" in html
    assert "DÉVELOPPEMENT" in html
