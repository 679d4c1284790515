"""Where the "Connexion requise" page and the header send people when Keycloak login is configured."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from starlette.requests import Request

from assistant.web.errors import _login_url
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

