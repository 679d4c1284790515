"""The development identity provider (deploy/dev-idp) behaves like Keycloak, against a real node server."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import yaml

from tests.support.dev_idp import (
    DEFAULT_USERS_FILE,
    SERVER_JS,
    TEST_POST_LOGOUT_REDIRECT_URI,
    TEST_REDIRECT_URI,
    DevIdp,
    LoginFailed,
    dev_idp_unavailable_reason,
    node_executable,
    pkce_pair,
    start_dev_idp,
)

_reason = dev_idp_unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)

jwt = pytest.importorskip("jwt", reason="PyJWT requis pour valider les jetons")

USERS = yaml.safe_load(DEFAULT_USERS_FILE.read_text(encoding="utf-8"))
PASSWORDS = {u["username"]: u["password"] for u in USERS["users"]}
APP_ROLES = set(USERS["roles"])
KEYCLOAK_DEFAULT_ROLES = {"default-roles-demo", "offline_access", "uma_authorization"}


@pytest.fixture(scope="module")
def idp():
    server = start_dev_idp(realm="demo", access_token_ttl=300)
    yield server
    server.stop()


@pytest.fixture
def fresh_idp():
    """A server of its own, for tests that change its state (key rotation)."""
    server = start_dev_idp(realm="demo", access_token_ttl=300)
    yield server
    server.stop()


def login(idp: DevIdp, username: str) -> dict[str, Any]:
    return idp.login(username, PASSWORDS[username])


def validate(idp: DevIdp, token: str, jwks: Any = None, **kwargs: Any) -> dict[str, Any]:
    """What the app does: key from the JWKS by kid, RS256 only, issuer + audience + expiry checked."""
    client = jwks or jwt.PyJWKClient(idp.jwks_uri, cache_keys=False)
    key = client.get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience="assistant",
        issuer=idp.issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        **kwargs,
    )


# --- start-up guard ------------------------------------------------------------------------


def _run_server(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ASSISTANT_PROFILE", "NODE_ENV")}
    env.update(env_extra)
    return subprocess.run(
        [str(node_executable()), str(SERVER_JS), "--port", "0", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_refuses_to_start_without_dev_flag():
    result = _run_server([], {})
    assert result.returncode == 2
    assert "refus de démarrer" in result.stderr
    assert "READY" not in result.stdout


def test_refuses_production_profile_even_with_dev_flag():
    result = _run_server(["--dev"], {"ASSISTANT_PROFILE": "production"})
    assert result.returncode == 2
    assert "production" in result.stderr
    assert "READY" not in result.stdout


def test_development_profile_env_is_enough_and_banner_warns():
    server = start_dev_idp(dev_flag=False, env={"ASSISTANT_PROFILE": "development"})
    try:
        assert server.issuer.startswith("http://127.0.0.1:")
        assert server.issuer.endswith("/realms/demo")
    finally:
        server.stop()
    assert "NE JAMAIS UTILISER EN PRODUCTION" in server.stderr


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


# --- logout, userinfo, introspection ----------------------------------------------------------


def test_rp_initiated_logout_ends_the_provider_session(idp: DevIdp):
    with idp.browser() as browser:
        tokens = browser.login("claire.martin", PASSWORDS["claire.martin"])
        browser.authorize(None, None)  # SSO: a second authorization needs no password
        response = browser.logout(tokens["id_token"], TEST_POST_LOGOUT_REDIRECT_URI)
        assert response.status_code == 303
        assert response.headers["location"] == TEST_POST_LOGOUT_REDIRECT_URI
        with pytest.raises(LoginFailed, match="aucune session"):
            browser.authorize(None, None)
    with pytest.raises(LoginFailed, match="invalid_grant"):
        idp.refresh(tokens["refresh_token"])


def test_logout_page_auto_submits_with_id_token_hint(idp: DevIdp):
    with idp.browser() as browser:
        tokens = browser.login("admin", PASSWORDS["admin"])
        page = browser.http.get(
            idp.end_session_endpoint,
            params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": TEST_POST_LOGOUT_REDIRECT_URI},
        )
    assert page.status_code == 200
    assert 'id="kc-logout-form"' in page.text and 'id="kc-logout"' in page.text
    assert "requestSubmit" in page.text


def test_unregistered_post_logout_redirect_uri_is_refused(idp: DevIdp):
    tokens = login(idp, "admin")
    response = httpx.get(
        idp.end_session_endpoint,
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert response.status_code == 400


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


def test_dev_admin_endpoint_only_rotates_on_post(idp: DevIdp):
    assert httpx.get(f"{idp.server_url}_dev/rotate-keys").status_code == 404


def test_helper_stops_the_server():
    server = start_dev_idp()
    pid = server.process.pid
    server.stop()
    assert server.process.poll() is not None
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.discovery_url, timeout=2)
    assert pid


def test_pkce_pair_is_s256():
    verifier, challenge = pkce_pair()
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert 43 <= len(verifier) <= 128


# --- a real browser (Playwright), as the web UI tests will do ----------------------------------


@pytest.mark.browser
def test_browser_login_and_logout_with_playwright(idp: DevIdp):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright non installé")
    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or shutil.which("chromium")
    verifier, challenge = pkce_pair()
    auth_url = f"{idp.authorization_endpoint}?" + urlencode(
        {
            "client_id": "assistant",
            "redirect_uri": TEST_REDIRECT_URI,
            "response_type": "code",
            "scope": "openid profile email",
            "state": "etat-1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    with sync_api.sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        except Exception as exc:  # no browser build here
            pytest.skip(f"Chromium indisponible: {exc}")
        try:
            page = browser.new_page()
            callbacks: list[str] = []

            def app_stub(route: Any) -> None:  # stands for the app's callback / logged-out pages
                callbacks.append(route.request.url)
                route.fulfill(status=200, body="ok")

            page.route("http://127.0.0.1:9/**", app_stub)
            page.goto(auth_url)
            page.fill("#username", "julien.bernard")
            page.fill("#password", "faux")
            page.click("#kc-login")
            assert "invalide" in page.inner_text("#input-error")

            page.fill("#password", PASSWORDS["julien.bernard"])
            page.click("#kc-login")
            page.wait_for_url(f"{TEST_REDIRECT_URI}**")
            query = parse_qs(urlsplit(callbacks[-1]).query)
            assert query["state"] == ["etat-1"]
            tokens = idp.exchange_code(query["code"][0], verifier)
            assert validate(idp, tokens["access_token"])["preferred_username"] == "julien.bernard"

            # RP-initiated logout with id_token_hint: no question asked, back to the app.
            page.goto(
                f"{idp.end_session_endpoint}?"
                + urlencode(
                    {
                        "id_token_hint": tokens["id_token"],
                        "post_logout_redirect_uri": TEST_POST_LOGOUT_REDIRECT_URI,
                    }
                )
            )
            page.wait_for_url(f"{TEST_POST_LOGOUT_REDIRECT_URI}**")
            page.goto(auth_url)
            page.wait_for_selector("#kc-form-login")  # the SSO session is gone
        finally:
            browser.close()
