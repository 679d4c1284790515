"""People browsing get French error pages; API clients keep JSON errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_missing_role_renders_the_french_access_denied_page(page: Page, live_server: LiveServer) -> None:
    response = page.goto(live_server.url + "/test/admin-only")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    expect(page.locator("main")).to_contain_text("Accès refusé : votre compte n'a pas le rôle nécessaire")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.screenshot(path="/tmp/ui-403.png")

    api = page.request.get(live_server.url + "/test/admin-only", headers={"Accept": "application/json"})
    assert api.status == 403 and api.json() == {"detail": "rôle « admin » requis"}


def test_missing_login_renders_connexion_requise(page: Page, live_server: LiveServer) -> None:
    response = page.goto(live_server.url + "/test/login-required")
    assert response is not None and response.status == 401
    assert response.headers["www-authenticate"] == "Bearer"
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion requise")


def test_unknown_document_is_a_french_404_but_the_api_stays_json(page: Page, live_server: LiveServer) -> None:
    response = page.goto(live_server.url + "/documents/inconnu/view?chunk=inconnu")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page ou document introuvable")

    api = page.goto(live_server.url + "/api/documents/inconnu/chunks/inconnu")
    assert api is not None and api.status == 404
    assert api.json() == {"detail": "document introuvable"}
