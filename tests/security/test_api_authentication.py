"""Who may call what, at the HTTP level, with real tokens from the development identity provider.

Only an access token issued to this client (typ Bearer, azp = our client id) opens a data route: never an
ID token, a refresh token, another client's token (even with us in its audience), an expired token. The
caller is authenticated before the body is read (no parser details, no memory spent for anonymous
callers), bodies are capped (declared or streamed), pending logins are bounded, and logout is same-origin.
"""

from __future__ import annotations

import http.client
import select
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy import select as sql_select

from assistant.api.app import create_app
from assistant.api.services import build_services
from assistant.identity.sessions import LoginStateRow
from assistant.llm.fake import FakeChatModel
from assistant.runtime import Runtime
from tests.fakes import HashingEmbeddings
from tests.security.sso_app import (
    APP_URL,
    CALLBACK,
    OTHER_CLIENT,
    OTHER_SECRET,
    protected_routes,
    running_app,
    served,
    sso_settings,
    start_idp,
)
from tests.support.dev_idp import DevIdp, LoginFailed, dev_idp_unavailable_reason

pytestmark = pytest.mark.skipif(dev_idp_unavailable_reason() is not None, reason=str(dev_idp_unavailable_reason()))


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    """Here, the dev IdP with a second client (replaces the package's plain one)."""
    server = start_idp(tmp_path_factory.mktemp("realm"))
    yield server
    server.stop()


@pytest.fixture
def app_client(idp: DevIdp, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with running_app(idp, tmp_path) as running:
        yield running

Tokens = dict[str, dict[str, Any]]
MALFORMED = b'{"message": "budget'
# Any signed-in user: who am I, and the GDPR rights over one's own data (conversations need the agent role).
CURRENT_USER_ONLY = {"/auth/me", "/api/me/export", "/api/me/conversations"}


@pytest.fixture(scope="module")
def tokens(idp: DevIdp) -> Tokens:
    return {"claire": idp.login("claire.martin", "claire-dev"), "julien": idp.login("julien.bernard", "julien-dev"),
            "paul": idp.login("paul.durand", "paul-dev"),
            "portail": idp.login("claire.martin", "claire-dev", client_id=OTHER_CLIENT, client_secret=OTHER_SECRET)}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


REFUSED: dict[str, Callable[[Tokens], dict[str, str]]] = {
    "ID token": lambda t: bearer(t["claire"]["id_token"]),
    "refresh token": lambda t: bearer(t["claire"]["refresh_token"]),
    "access token of another client, us in its audience": lambda t: bearer(t["portail"]["access_token"]),
    "no token": lambda t: {},
    "not a Bearer scheme": lambda t: {"Authorization": f"Basic {t['claire']['access_token']}"},
}


def call(client: TestClient, method: str, path: str, has_body: bool, headers: dict[str, str]) -> Any:
    headers = {**headers, "Accept": "application/json", "Content-Type": "application/json"}
    return client.request(method, path, headers=headers, content=MALFORMED if has_body else None)


@pytest.mark.parametrize("kind", list(REFUSED))
def test_only_our_access_tokens_open_a_data_route(
    kind: str, tokens: Tokens, app_client: tuple[TestClient, dict[str, str]]
) -> None:
    client, _ = app_client
    routes = protected_routes(client.app)  # type: ignore[arg-type]
    assert len(routes) >= 15 and ("POST", "/api/chat", True) in routes
    for method, path, has_body in routes:  # a malformed body, too: refused before it is parsed
        response = call(client, method, path, has_body, REFUSED[kind](tokens))
        assert response.status_code == 401, (kind, method, path, response.status_code, response.text[:300])
        assert "json" not in response.text.lower()


def test_claires_access_token_opens_them(tokens: Tokens, app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = app_client
    for method, path, has_body in protected_routes(client.app):  # type: ignore[arg-type]
        response = call(client, method, path, has_body, bearer(tokens["claire"]["access_token"]))
        assert response.status_code != 401, (method, path, response.text[:300])
        # Authenticated: now the body is parsed, and found malformed; an agent is no admin.
        refused = 422 if has_body else 403 if path.startswith("/api/admin/") else None
        assert refused is None or response.status_code == refused, (method, path, response.status_code)
    assert client.get("/api/me/export", headers=bearer(tokens["claire"]["access_token"])).status_code == 200


def test_roles_and_groups_are_enforced(tokens: Tokens, app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = app_client
    paul, julien = bearer(tokens["paul"]["access_token"]), bearer(tokens["julien"]["access_token"])
    for method, path, _ in protected_routes(client.app):  # type: ignore[arg-type]
        status = client.request(method, path, headers={**paul, "Accept": "application/json"}).status_code
        assert (status != 403) if path in CURRENT_USER_ONLY else (status == 403), (method, path, status)
        if path.startswith("/api/admin/"):
            assert client.request(method, path, headers=julien).status_code == 403, (method, path)
    secret = ids["direction"]
    for path in (f"/documents/{secret}/file", f"/api/documents/{secret}/chunks/{secret}-0"):
        assert client.get(path, headers=julien).status_code == 404
        assert client.get(path, headers=bearer(tokens["claire"]["access_token"])).status_code == 200


def test_an_expired_access_token_opens_nothing(tmp_path: Path) -> None:
    (tmp_path / "realm").mkdir()
    (tmp_path / "app").mkdir()
    with start_idp(tmp_path / "realm", access_token_ttl=5) as short, \
            running_app(short, tmp_path / "app", oidc={"leeway_s": 0}) as (client, _):  # no 30 s skew to wait
        token = short.login("claire.martin", "claire-dev")["access_token"]
        assert client.get("/auth/me", headers=bearer(token)).status_code == 200
        time.sleep(max(0.0, jwt.decode(token, options={"verify_signature": False})["exp"] - time.time()) + 1.5)
        for method, path, has_body in protected_routes(client.app):  # type: ignore[arg-type]
            response = call(client, method, path, has_body, bearer(token))
            assert response.status_code == 401 and "expired" in response.text, (method, path, response.text)


def test_a_malformed_body_without_token_gets_401_not_the_parsers_details(
    app_client: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = app_client
    for path in ("/api/chat", "/api/chat/stream", "/v1/chat/completions"):
        response = client.post(path, content=MALFORMED, headers={"Content-Type": "application/json"})
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {"detail": "authentication required"}


def raw_post(address: tuple[str, int], head: dict[str, str], body_parts: list[bytes]) -> tuple[int, bytes, int]:
    """POST /api/chat over a raw socket; stops sending as soon as an answer arrives. (status, body, bytes sent)"""
    sock = socket.create_connection(address, timeout=15)
    lines = ["POST /api/chat HTTP/1.1", f"Host: {address[0]}", *(f"{k}: {v}" for k, v in head.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    sent = 0
    for part in body_parts:
        if select.select([sock], [], [], 0)[0]:
            break  # the server has answered: it does not want the rest
        try:
            sock.sendall(part)
        except OSError:
            break
        sent += len(part)
    response = http.client.HTTPResponse(sock)
    response.begin()  # never the terminating chunk, nor the declared length: an answer only if the server gave up
    status, body = response.status, response.read()
    sock.close()
    return status, body, sent


def chunked(total: int, size: int = 64 * 1024) -> list[bytes]:
    return [b"%x\r\n%s\r\n" % (size, b"a" * size) for _ in range(total // size)]


def test_oversized_bodies_are_refused_without_being_read(idp: DevIdp, tokens: Tokens, tmp_path: Path) -> None:
    settings = sso_settings(idp, tmp_path / "data")  # default server.max_body_bytes: 1 MiB
    runtime = Runtime(settings)
    services = build_services(runtime, model=FakeChatModel(["x"]), embeddings=HashingEmbeddings())
    token = tokens["claire"]["access_token"]
    json_head = {"Content-Type": "application/json"}
    try:
        with served(create_app(settings, services=services)) as address:
            status, body, _ = raw_post(address, {**json_head, "Content-Length": str(300 * 2**20)}, [])
            assert status == 413 and b"1048576" in body
            status, body, sent = raw_post(address, {**json_head, "Transfer-Encoding": "chunked",
                                                    "Authorization": f"Bearer {token}"}, chunked(8 * 2**20))
            assert status == 413 and b"1048576" in body and sent < 8 * 2**20, body
            status, body, sent = raw_post(address, {**json_head, "Transfer-Encoding": "chunked"}, chunked(8 * 2**20))
            assert status == 401 and sent < 8 * 2**20  # anonymous: not a byte of the body is read
    finally:
        runtime.close()


def test_openai_compatible_messages_are_bounded(tokens: Tokens, app_client: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = app_client
    headers = bearer(tokens["claire"]["access_token"])

    def complete(messages: list[dict[str, Any]]) -> int:
        return client.post("/v1/chat/completions", headers=headers,
                           json={"model": "assistant-rag", "messages": messages}).status_code

    question = {"role": "user", "content": "Quel est le budget du projet Phénix ?"}
    assert complete([question]) == 200
    assert complete([{"role": "user", "content": "a" * 4001}]) == 422  # as /api/chat's question
    assert complete([{"role": "user", "content": [{"type": "text", "text": "a" * 4001}]}]) == 422
    assert complete([{"role": "system", "content": "s" * 8001}, question]) == 422
    assert complete([{"role": "assistant", "content": "r" * 7000}] * 5 + [question]) == 422  # 35,000 in all
    assert complete([{"role": "user", "content": "q"}] * 60 + [question]) == 422


def pending_logins(client: TestClient) -> int:
    with client.app.state.services.runtime.database.session() as session:  # type: ignore[attr-defined]
        return int(session.scalar(sql_select(func.count()).select_from(LoginStateRow)) or 0)


def finish_login(idp: DevIdp, user: TestClient, start: Any, username: str, password: str) -> None:
    with idp.browser() as browser:
        callback = browser.sign_in(start.headers["location"], username, password, CALLBACK)
    assert user.get(callback, follow_redirects=False).status_code == 302
    assert user.get("/auth/me").json()["username"] == username


def test_a_login_flood_keeps_pending_logins_bounded_and_real_logins_work(idp: DevIdp, tmp_path: Path) -> None:
    limits = {"pending_logins_max": 50, "pending_logins_per_client": 5}
    with running_app(idp, tmp_path, session=limits) as (client, _):
        app = client.app
        user = TestClient(app, client=("198.51.100.20", 40000))
        start = user.get("/auth/login", follow_redirects=False)
        attacker = TestClient(app, client=("203.0.113.66", 40000))
        for _ in range(200):  # one address: only its own pending logins are pushed out
            assert attacker.get("/auth/login", follow_redirects=False).status_code == 302
        assert pending_logins(client) == 1 + 5
        finish_login(idp, user, start, "julien.bernard", "julien-dev")
        for number in range(150):  # many addresses: the oldest go first, the table never exceeds its cap
            TestClient(app, client=(f"10.0.{number // 250}.{number % 250}", 1)).get("/auth/login",
                                                                                 follow_redirects=False)
            assert pending_logins(client) <= 50
        late = TestClient(app, client=("198.51.100.21", 40000))
        finish_login(idp, late, late.get("/auth/login", follow_redirects=False), "claire.martin", "claire-dev")


def test_logout_needs_our_origin_and_sends_no_token_in_a_url(idp: DevIdp, app_client: tuple[TestClient, Any]) -> None:
    client, _ = app_client
    finish_login(idp, client, client.get("/auth/login", follow_redirects=False), "claire.martin", "claire-dev")
    identity = client.app.state.authenticator.identity  # type: ignore[attr-defined]
    row = identity.sessions.get(client.cookies["assistant_session"])
    for foreign in ({}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"},
                    {"Origin": "null"}):
        assert client.post("/auth/logout", headers=foreign, follow_redirects=False).status_code == 403, foreign
        assert client.get("/auth/me").status_code == 200  # still logged in
    done = client.post("/auth/logout", headers={"Origin": APP_URL}, follow_redirects=False)
    assert done.status_code == 303
    location = done.headers["location"]
    assert row.id_token not in location and "id_token_hint" not in location and row.refresh_token not in location
    assert client.get("/auth/me").status_code == 401
    with pytest.raises(LoginFailed, match="invalid_grant"):  # the SSO session ended at the IdP too
        idp.refresh(row.refresh_token, client_secret="assistant-dev-secret")
