"""The dev IdP serves Keycloak's URL layout, discovery document and JWKS; python-keycloak works against it."""

from __future__ import annotations

import httpx
import pytest

from tests.deploy.dev_idp_helpers import login
from tests.support.dev_idp import TEST_REDIRECT_URI, DevIdp, dev_idp_unavailable_reason

_reason = dev_idp_unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)


# --- Keycloak URL layout --------------------------------------------------------------------


def test_ready_line_issuer_is_loopback_keycloak_realm(idp: DevIdp):
    assert idp.issuer == f"http://127.0.0.1:{idp.port}/realms/demo"


def test_discovery_document_has_keycloak_paths(idp: DevIdp):
    doc = httpx.get(f"{idp.server_url}realms/demo/.well-known/openid-configuration").json()
    base = f"{idp.issuer}/protocol/openid-connect"
    assert doc["issuer"] == idp.issuer
    assert doc["authorization_endpoint"] == f"{base}/auth"
    assert doc["token_endpoint"] == f"{base}/token"
    assert doc["jwks_uri"] == f"{base}/certs"
    assert doc["userinfo_endpoint"] == f"{base}/userinfo"
    assert doc["end_session_endpoint"] == f"{base}/logout"
    assert doc["introspection_endpoint"] == f"{base}/token/introspect"
    assert doc["revocation_endpoint"] == f"{base}/revoke"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert {"authorization_code", "refresh_token"} <= set(doc["grant_types_supported"])
    assert {"realm_access", "groups", "preferred_username"} <= set(doc["claims_supported"])


def test_jwks_publishes_rs256_signing_keys(idp: DevIdp):
    keys = idp.jwks()["keys"]
    assert keys, "JWKS vide"
    for key in keys:
        assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
        assert key["kid"]
        assert "d" not in key and "p" not in key  # public parts only


def test_unknown_realm_is_404(idp: DevIdp):
    response = httpx.get(f"{idp.server_url}realms/other/.well-known/openid-configuration")
    assert response.status_code == 404


def test_dev_admin_endpoint_only_rotates_on_post(idp: DevIdp):
    assert httpx.get(f"{idp.server_url}_dev/rotate-keys").status_code == 404


# --- python-keycloak, as the app will use it ----------------------------------------------------


def test_python_keycloak_client_works_against_dev_idp(idp: DevIdp):
    keycloak = pytest.importorskip("keycloak")
    kc = keycloak.KeycloakOpenID(
        server_url=idp.server_url,
        realm_name="demo",
        client_id="assistant",
        client_secret_key=idp.client_secret,
    )
    assert kc.well_known()["issuer"] == idp.issuer
    assert {k["kid"] for k in kc.certs()["keys"]} == {k["kid"] for k in idp.jwks()["keys"]}
    assert kc.public_key()  # GET /realms/demo, base64 DER
    assert kc.auth_url(redirect_uri=TEST_REDIRECT_URI, scope="openid", state="s").startswith(idp.authorization_endpoint)

    tokens = login(idp, "julien.bernard")
    decoded = kc.decode_token(tokens["access_token"])
    assert decoded["preferred_username"] == "julien.bernard"
    assert decoded["realm_access"]["roles"]
    assert decoded["groups"] == ["/urbanisme"]
    assert decoded["aud"] == "assistant"

    info = kc.userinfo(tokens["access_token"])
    assert info["preferred_username"] == "julien.bernard"
    assert info["sub"] == decoded["sub"]

    introspected = kc.introspect(tokens["access_token"])
    assert introspected["active"] is True
    assert introspected["username"] == "julien.bernard"
    assert kc.introspect("not-a-token")["active"] is False

    refreshed = kc.refresh_token(tokens["refresh_token"])
    assert kc.decode_token(refreshed["access_token"])["sub"] == decoded["sub"]

    kc.logout(tokens["refresh_token"])  # Keycloak back-channel logout (POST /logout + refresh_token)
    assert kc.introspect(tokens["refresh_token"])["active"] is False
    with pytest.raises(keycloak.exceptions.KeycloakPostError):
        kc.refresh_token(tokens["refresh_token"])
