"""Where the "Connexion requise" page and the header send people when Keycloak login is configured."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from assistant.api.auth import AuthenticationRequired
from assistant.web.errors import _can_send_to_login, _login_url, french_detail, http_error
from assistant.web.templating import uses_sso


def request(path: str, query: str = "", mode: str = "oidc", routes: tuple[str, ...] = ("/auth/login",)) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(auth=SimpleNamespace(mode=mode))),
                          routes=[SimpleNamespace(path=p) for p in routes])
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": path, "query_string": query.encode(),
                             "headers": [], "app": app}
    return Request(scope)


def test_login_comes_back_to_the_page_asked_for() -> None:
    assert _login_url(request("/documents/d1/view", "chunk=c1&page=2")) == (
        "/auth/login?next=%2Fdocuments%2Fd1%2Fview%3Fchunk%3Dc1%26page%3D2")
    assert _login_url(request("/auth/callback", "code=x")) == "/auth/login"


def test_login_and_logout_are_offered_only_with_keycloak() -> None:
    assert uses_sso(request("/"))
    assert not uses_sso(request("/", mode="development"))



def asking_for_a_page(path: str, query: str = "", mode: str = "oidc", method: str = "GET") -> Request:
    app = SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(auth=SimpleNamespace(mode=mode))))
    scope: dict[str, Any] = {"type": "http", "method": method, "path": path, "query_string": query.encode(),
                             "headers": [(b"accept", b"text/html")], "app": app}
    return Request(scope)


def test_a_page_without_session_redirects_to_the_login_and_back() -> None:
    # In a thread of its own: the browser tests leave Playwright's event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        response = pool.submit(asyncio.run, http_error(asking_for_a_page("/", "conversation=c1"),
                                                       AuthenticationRequired())).result()
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login?next=%2F%3Fconversation%3Dc1"


def test_no_redirect_for_a_post_a_failed_login_step_or_the_development_login() -> None:
    assert _can_send_to_login(asking_for_a_page("/documents/d1/view"))
    for refused in (asking_for_a_page("/", method="POST"), asking_for_a_page("/auth/callback"),
                    asking_for_a_page("/", mode="development")):
        assert not _can_send_to_login(refused)


def test_authentication_details_are_shown_in_french_or_not_at_all() -> None:
    assert french_detail(AuthenticationRequired("session expired: log in again")) == (
        "session expirée : reconnectez-vous")
    assert french_detail(AuthenticationRequired("token has no 'sub' claim")) == ""
    assert french_detail(HTTPException(404, "document introuvable")) == "document introuvable"
