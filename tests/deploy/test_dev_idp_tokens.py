"""Token lifetime, refresh, key rotation, and userinfo's checks of the access token."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import httpx
import jwt
import pytest

from tests.deploy.dev_idp_helpers import login, validate
from tests.support.dev_idp import DevIdp, dev_idp_unavailable_reason, start_dev_idp

_reason = dev_idp_unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)


@pytest.fixture
def fresh_idp() -> Iterator[DevIdp]:
    """A server of its own, for tests that change its state (key rotation)."""
    server = start_dev_idp(realm="demo", access_token_ttl=300)
    yield server
    server.stop()


# --- token lifetime, refresh, rotation ---------------------------------------------------------


def test_access_token_with_short_ttl_expires():
    with start_dev_idp(access_token_ttl=2) as short:
        tokens = login(short, "karim.haddad")
        assert tokens["expires_in"] == 2
        claims = validate(short, tokens["access_token"])
        assert claims["exp"] - claims["iat"] == 2
        time.sleep(max(0.0, claims["exp"] - time.time()) + 0.3)
        with pytest.raises(jwt.ExpiredSignatureError):
            validate(short, tokens["access_token"])
        # ... and a refresh gives a fresh, valid one.
        refreshed = short.refresh(tokens["refresh_token"])
        assert validate(short, refreshed["access_token"])["preferred_username"] == "karim.haddad"


def test_refresh_token_grant(idp: DevIdp):
    tokens = login(idp, "sophie.petit")
    assert tokens["refresh_token"]
    refreshed = idp.refresh(tokens["refresh_token"])
    old = validate(idp, tokens["access_token"])
    new = validate(idp, refreshed["access_token"])
    assert new["jti"] != old["jti"]
    assert new["sub"] == old["sub"]
    assert new["realm_access"] == old["realm_access"]
    assert new["groups"] == ["/relation-usagers"]
    assert refreshed["id_token"]
    assert refreshed["refresh_token"]


def test_key_rotation_publishes_new_kid(fresh_idp: DevIdp):
    idp = fresh_idp
    # A caching client, as the app keeps one. PyJWT (2.15 here) refuses to refetch the JWKS for an
    # unknown kid during `cooldown_duration` (30 s by default) after any fetch: an app using the
    # default would reject tokens signed by a just-rotated key for up to 30 s.
    app_jwks = jwt.PyJWKClient(idp.jwks_uri, cooldown_duration=0)
    before = login(idp, "admin")
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    validate(idp, before["access_token"], app_jwks)

    new_kid = idp.rotate_keys()
    assert new_kid != old_kid
    assert {k["kid"] for k in idp.jwks()["keys"]} == {old_kid, new_kid}

    after = login(idp, "admin")
    assert jwt.get_unverified_header(after["access_token"])["kid"] == new_kid
    validate(idp, after["access_token"], app_jwks)  # unknown kid -> the client refetches the JWKS
    validate(idp, before["access_token"], app_jwks)  # old key still published

    # Sessions and refresh tokens survive the rotation; the refreshed token uses the new key.
    refreshed = idp.refresh(before["refresh_token"])
    assert jwt.get_unverified_header(refreshed["access_token"])["kid"] == new_kid

    newest = idp.rotate_keys(keep_previous=False)
    assert [k["kid"] for k in idp.jwks()["keys"]] == [newest]
    with pytest.raises(jwt.PyJWKClientError):
        validate(idp, before["access_token"])


# --- userinfo --------------------------------------------------------------------------------


def test_userinfo_with_access_token(idp: DevIdp):
    tokens = login(idp, "julien.bernard")
    response = httpx.get(idp.userinfo_endpoint, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 200
    body = response.json()
    assert body["preferred_username"] == "julien.bernard"
    assert body["groups"] == ["/urbanisme"]
    bad = httpx.get(idp.userinfo_endpoint, headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]


def test_userinfo_refuses_a_token_signed_by_another_key(idp: DevIdp):
    tokens = login(idp, "julien.bernard")
    header, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["realm_access"]["roles"].append("admin")
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}"
    response = httpx.get(idp.userinfo_endpoint, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
