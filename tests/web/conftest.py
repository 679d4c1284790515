"""A real app (bundled embeddings, bundled SmolLM2, real ingestion) served by uvicorn, and Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")

import uvicorn
from fastapi import FastAPI
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect, sync_playwright

from assistant.api.app import create_app
from assistant.api.auth import AuthenticationRequired
from assistant.api.deps import Admin
from assistant.api.services import AppServices, build_services
from assistant.config import load_settings
from assistant.runtime import Runtime
from tests.web.corpus import write_corpus

CHROMIUM = Path("/usr/bin/chromium")
# Never let anything in the browser reach the network or fetch components.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}


@dataclass
class LiveServer:
    url: str
    services: AppServices


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    if not CHROMIUM.exists():
        pytest.skip("the Debian chromium package is not installed")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport=VIEWPORT, locale="fr-FR")
        context.set_default_timeout(20_000)
        expect.set_options(timeout=20_000)  # answers wait for retrieval on a busy CI machine
        yield context
        context.close()


def _add_test_routes(app: FastAPI) -> None:
    @app.get("/test/admin-only")
    def admin_only(user: Admin) -> dict[str, str]:  # the development user is only an agent: 403
        return {"user": user.username}

    @app.get("/test/login-required")
    def login_required() -> dict[str, str]:
        raise AuthenticationRequired()


def _serve(app: FastAPI) -> tuple[uvicorn.Server, threading.Thread, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, browser_context: BrowserContext) -> Iterator[LiveServer]:
    pytest.importorskip("ingestion.parsers")
    folders = write_corpus(tmp_path_factory.mktemp("corpus"), browser_context)
    settings = load_settings(environ={"ASSISTANT_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                                      "ASSISTANT_PROFILE": "development", "ASSISTANT_AUTH_MODE": "development"},
                             )
    runtime = Runtime(settings)
    for collection, folder in folders.items():
        runtime.ingestor().ingest([folder], collection=collection, public=True)
    services = build_services(runtime)
    app = create_app(settings, services=services)
    _add_test_routes(app)
    server, thread, url = _serve(app)
    yield LiveServer(url, services)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser_context: BrowserContext, live_server: LiveServer) -> Iterator[Page]:
    page = browser_context.new_page()
    yield page
    page.close()
