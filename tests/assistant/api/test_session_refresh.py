"""The web session's token refresh, against the real development identity provider.

Log in through the app (`/auth/login` -> the IdP's login form -> `/auth/callback`, code + PKCE), let the
access token really expire (the IdP issues 2-second tokens), then: the session cookie still works because
the app refreshes the tokens; once the refresh token is dead (SSO session ended at the IdP, or expired),
the request gets 401 (the "Connexion requise" page for a browser) and the session is dropped. An IdP
that cannot be reached is not a dead refresh token: 503, and the session is kept.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from keycloak.exceptions import KeycloakPostError

from assistant.api.app import create_app
from assistant.api.auth import OidcAuthenticator
from assistant.api.services import build_services
from assistant.config import load_settings
from assistant.identity.sessions import WebSessionRow
from assistant.llm.fake import FakeChatModel
from assistant.runtime import Runtime
from tests.fakes import HashingEmbeddings
from tests.support.dev_idp import DevIdp, DevIdpBrowser, LoginFailed, dev_idp_unavailable_reason, start_dev_idp

pytestmark = pytest.mark.skipif(dev_idp_unavailable_reason() is not None,
                                reason=str(dev_idp_unavailable_reason()))

APP_URL = "http://testserver"  # TestClient's
CALLBACK = f"{APP_URL}/auth/callback"
CLIENT_SECRET = "assistant-dev-secret"
ACCESS_TOKEN_TTL = 2


def start_idp(**options: int) -> DevIdp:
    return start_dev_idp(access_token_ttl=ACCESS_TOKEN_TTL, client_secret=CLIENT_SECRET, redirect_uris=[CALLBACK],
                         post_logout_redirect_uris=[f"{APP_URL}/"], **options)


@pytest.fixture(scope="module")
def idp() -> Iterator[DevIdp]:
    server = start_idp()
    yield server
    server.stop()


@contextmanager
def running_app(idp: DevIdp, data: Path) -> Iterator[TestClient]:
    settings = load_settings(
        environ={"ASSISTANT_DATA_DIR": str(data)}, profile="development",
        auth={"mode": "oidc",
              "oidc": {"server_url": idp.server_url, "realm": idp.realm, "client_id": idp.client_id,
                       "client_secret": CLIENT_SECRET, "public_url": APP_URL},
              "session": {"cookie_secure": False}},  # TestClient speaks http
    )
    runtime = Runtime(settings)
    services = build_services(runtime, model=FakeChatModel(["x"]), embeddings=HashingEmbeddings())
    try:
        with TestClient(create_app(settings, services=services)) as client:  # no authenticator: the OIDC one
            yield client
    finally:
        runtime.close()


@pytest.fixture
def client(idp: DevIdp, tmp_path: Path) -> Iterator[TestClient]:
    with running_app(idp, tmp_path / "data") as test_client:
        yield test_client


def authenticator(client: TestClient) -> OidcAuthenticator:
    found = client.app.state.authenticator  # type: ignore[attr-defined]
    assert isinstance(found, OidcAuthenticator)
    return found


def session_of(client: TestClient) -> WebSessionRow | None:
    """The server-side record behind the client's session cookie."""
    auth = authenticator(client)
    return auth.identity.sessions.get(client.cookies[auth.settings.auth.session.cookie_name])


def log_in(client: TestClient, browser: DevIdpBrowser, username: str, password: str) -> WebSessionRow:
    """The web login as a browser does it: the app's redirect, the IdP's form, the app's callback."""
    start = client.get("/auth/login", params={"next": "/"}, follow_redirects=False)
    assert start.status_code == 302 and start.headers["location"].startswith(browser.idp.authorization_endpoint)
    callback = browser.sign_in(start.headers["location"], username, password, CALLBACK)
    assert callback.startswith(f"{CALLBACK}?") and "code=" in callback
    done = client.get(callback, follow_redirects=False)  # not followed: no request before the test's own
    assert done.status_code == 302 and done.headers["location"] == "/"
    row = session_of(client)
    assert row is not None and row.username == username and row.refresh_token
    return row


def wait_until_expired(idp: DevIdp, access_token: str) -> None:
    """Sleeps past the token's `exp`, then checks the IdP itself now refuses it."""
    expires = jwt.decode(access_token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires - time.time()) + 1.0)
    userinfo = httpx.get(idp.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"})
    assert userinfo.status_code == 401, "the access token should have expired at the IdP"


def test_expired_access_token_is_refreshed_with_the_refresh_token(idp: DevIdp, client: TestClient) -> None:
    with idp.browser() as browser:
        before = log_in(client, browser, "julien.bernard", "julien-dev")
    wait_until_expired(idp, before.access_token)

    me = client.get("/auth/me")
    assert me.status_code == 200
    assert me.json() == {"username": "julien.bernard", "groups": ["urbanisme"], "roles": ["agent"]}

    after = session_of(client)
    assert after is not None and after.id == before.id
    assert after.access_token != before.access_token
    assert after.access_expires_at > before.access_expires_at
    assert after.refresh_token and after.id_token
    new_claims = jwt.decode(after.access_token, options={"verify_signature": False})
    assert new_claims["exp"] > time.time() and new_claims["preferred_username"] == "julien.bernard"
    assert after.claims["jti"] == new_claims["jti"]
    userinfo = httpx.get(idp.userinfo_endpoint, headers={"Authorization": f"Bearer {after.access_token}"})
    assert userinfo.status_code == 200

    # ... and it keeps working: the next expiry is refreshed again, with the refresh token now stored.
    wait_until_expired(idp, after.access_token)
    assert client.get("/api/collections").status_code == 200
    latest = session_of(client)
    assert latest is not None and latest.access_token not in (before.access_token, after.access_token)


def test_session_ended_at_the_idp_gives_the_login_page_and_drops_the_session(
    idp: DevIdp, client: TestClient
) -> None:
    with idp.browser() as browser:
        row = log_in(client, browser, "claire.martin", "claire-dev")
        # The SSO session ends at the IdP (logout from another application, say): its refresh tokens die.
        ended = browser.logout(row.id_token, f"{APP_URL}/")
        assert ended.status_code == 303 and ended.headers["location"] == f"{APP_URL}/"
    with pytest.raises(LoginFailed, match="invalid_grant"):
        idp.refresh(row.refresh_token, client_secret=CLIENT_SECRET)
    wait_until_expired(idp, row.access_token)

    page = client.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/auth/login?next=%2F"
    assert session_of(client) is None  # dropped on the server

    again = client.get("/auth/me")
    assert again.status_code == 401 and again.json()["detail"] == "session expired: log in again"


def test_expired_refresh_token_gives_401_and_drops_the_session(tmp_path: Path) -> None:
    with start_idp(refresh_token_ttl=3) as idp, running_app(idp, tmp_path / "data") as client, \
            idp.browser() as browser:
        row = log_in(client, browser, "sophie.petit", "sophie-dev")
        refresh_expires = time.time() + 3  # issued during the login, so it dies before this
        wait_until_expired(idp, row.access_token)
        time.sleep(max(0.0, refresh_expires - time.time()) + 1.0)

        response = client.post("/api/chat", json={"message": "horaires de la mairie"},
                               headers={"Origin": APP_URL})
        assert response.status_code == 401
        assert response.json()["detail"] == "session ended by the identity provider: log in again"
        assert response.headers["www-authenticate"] == "Bearer"
        assert session_of(client) is None
        with pytest.raises(LoginFailed, match="invalid_grant"):  # the IdP agrees: that refresh token is dead
            idp.refresh(row.refresh_token, client_secret=CLIENT_SECRET)


def test_unreachable_idp_during_refresh_keeps_the_session(tmp_path: Path) -> None:
    with start_idp() as idp, running_app(idp, tmp_path / "data") as client, idp.browser() as browser:
        row = log_in(client, browser, "julien.bernard", "julien-dev")
        wait_until_expired(idp, row.access_token)
        idp.stop()  # Keycloak down for a moment: not a reason to end everybody's session

        response = client.get("/auth/me")
        assert response.status_code == 503
        assert response.json()["detail"] == "fournisseur d'identité injoignable, réessayez"
        assert response.headers["retry-after"] == "30"
        kept = session_of(client)
        assert kept is not None and kept.refresh_token == row.refresh_token


def test_provider_server_error_keeps_the_session_a_refused_refresh_drops_it(
    idp: DevIdp, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with idp.browser() as browser:
        log_in(client, browser, "julien.bernard", "julien-dev")
    keycloak = authenticator(client).identity.client.keycloak  # 2-second tokens: always within the 30 s refresh margin

    def answers(code: int) -> None:
        def refresh_token(refresh_token: str) -> dict[str, str]:
            raise KeycloakPostError(b'{"error": "..."}', response_code=code)

        monkeypatch.setattr(keycloak, "refresh_token", refresh_token)

    answers(502)  # a reverse proxy in front of a Keycloak that is restarting
    assert client.get("/auth/me").status_code == 503
    assert session_of(client) is not None
    answers(400)  # invalid_grant
    assert client.get("/auth/me").status_code == 401
    assert session_of(client) is None


def test_unreachable_idp_answers_503_to_a_bearer_token_it_cannot_check(tmp_path: Path) -> None:
    with start_idp() as idp, running_app(idp, tmp_path / "data") as client:
        tokens = idp.login("julien.bernard", "julien-dev", client_secret=CLIENT_SECRET, redirect_uri=CALLBACK)
        idp.stop()  # the signing keys were never fetched: the token cannot be checked for now
        response = client.get("/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert response.status_code == 503 and response.headers["retry-after"] == "30"
