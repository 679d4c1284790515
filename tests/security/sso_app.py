"""For test_api_authentication: a real app behind the real development identity provider, with a second
client ("portail") whose access tokens also carry the assistant in their audience (what a Keycloak "Audience"
mapper does): the tokens a careless resource server would accept."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.services import build_services
from assistant.config import Settings, load_settings
from assistant.llm.fake import FakeChatModel
from assistant.runtime import Runtime
from tests.assistant.api.test_sso_permissions import index
from tests.fakes import HashingEmbeddings
from tests.support.dev_idp import (
    DEFAULT_USERS_FILE,
    TEST_REDIRECT_URI,
    DevIdp,
    start_dev_idp,
)

APP_URL = "http://testserver"  # TestClient's
CALLBACK = f"{APP_URL}/auth/callback"
SECRET = "assistant-dev-secret"
OTHER_CLIENT, OTHER_SECRET = "portail", "portail-dev-secret"


def users_with_another_client(folder: Path) -> Path:
    realm = yaml.safe_load(DEFAULT_USERS_FILE.read_text(encoding="utf-8"))
    realm["clients"].append({"client_id": OTHER_CLIENT, "secret": OTHER_SECRET, "audience": "assistant",
                             "redirect_uris": [TEST_REDIRECT_URI], "post_logout_redirect_uris": []})
    path = folder / "users.yaml"
    path.write_text(yaml.safe_dump(realm, allow_unicode=True), encoding="utf-8")
    return path


def start_idp(folder: Path, **options: Any) -> DevIdp:
    return start_dev_idp(users_with_another_client(folder), client_secret=SECRET,
                         redirect_uris=[CALLBACK, TEST_REDIRECT_URI], post_logout_redirect_uris=[f"{APP_URL}/"],
                         **options)




def sso_settings(idp: DevIdp, data: Path, **overrides: Any) -> Settings:
    auth = {"mode": "oidc", "session": {"cookie_secure": False, **overrides.pop("session", {})},
            "oidc": {"server_url": idp.server_url, "realm": idp.realm, "client_id": "assistant",
                     "client_secret": SECRET, "public_url": APP_URL, **overrides.pop("oidc", {})}}
    return load_settings(environ={"ASSISTANT_DATA_DIR": str(data)}, profile="development",
                         chat={"min_similarity": 0.1}, auth=auth, **overrides)


@contextmanager
def running_app(idp: DevIdp, folder: Path, **overrides: Any) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app (OIDC authenticator, indexed documents of two groups) in a TestClient, and the documents' ids."""
    settings = sso_settings(idp, folder / "data", **overrides)
    embeddings = HashingEmbeddings()
    runtime = Runtime(settings)
    services = build_services(runtime, model=FakeChatModel(lambda m: "Voir [1]."), embeddings=embeddings)
    (folder / "files").mkdir()
    ids = index(runtime, embeddings, folder / "files")
    try:
        with TestClient(create_app(settings, services=services)) as client:
            yield client, ids
    finally:
        runtime.close()


@contextmanager
def served(app: FastAPI) -> Iterator[tuple[str, int]]:
    """`app` behind a real uvicorn (which sets no body limit of its own), on a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield sock.getsockname()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every route of the app, through included routers (nested in recent FastAPI versions)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from api_routes(inner.routes)


PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics", "/auth/login", "/auth/callback", "/auth/logout",
                "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def protected_routes(app: FastAPI) -> list[tuple[str, str, bool]]:
    """(method, concrete path, has a body) of every route but the public ones: all must ask who calls."""
    found = set()
    for route in api_routes(app.routes):
        if route.path in PUBLIC_PATHS:
            continue
        path = route.path
        for name in route.param_convertors:
            path = path.replace(f"{{{name}}}", "x")
        for method in (route.methods or set()) - {"HEAD"}:
            found.add((method, path, route.body_field is not None))
    return sorted(found)
