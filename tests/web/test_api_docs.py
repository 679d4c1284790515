"""/docs in a real Chromium: Swagger UI renders the API, and no request leaves this server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from assistant.api.app import create_app
from assistant.config import load_settings
from tests.web.conftest import _serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory, browser_context: BrowserContext) -> Iterator[str]:
    """The real app (its own models, an empty index), where the development user is an administrator."""
    settings = load_settings(
        environ={"ASSISTANT_DATA_DIR": str(tmp_path_factory.mktemp("docs-data"))}, profile="development",
        auth={"mode": "development", "dev_user": {"username": "admin.demo", "roles": ["admin"]}},
        llm={"n_threads": 1})
    server, thread, url = _serve(create_app(settings))
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def test_swagger_ui_renders_from_this_server_only(browser_context: BrowserContext, admin_server: str,
                                                  tmp_path: Path) -> None:
    page = browser_context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(f"{admin_server}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Assistant IA de la collectivité")
        expect(page.locator(".opblock-summary-path", has_text="/api/chat/stream")).to_be_visible()
        page.wait_for_load_state("networkidle")
    finally:
        page.close()
    assert f"{admin_server}/openapi.json" in requested
    assert requested and all(url.startswith(admin_server + "/") for url in requested), requested
