"""Keycloak SSO end to end in Chromium: the real OIDC authenticator against the development IdP.

Log in through the IdP's login form, ask questions that only the user's groups may answer, log out
(here and at the IdP), then log in as a user without any role and get the French 403 page.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import BrowserContext, Page, expect

from assistant.api.app import create_app
from assistant.api.services import build_services
from assistant.config import load_settings
from assistant.runtime import Runtime
from tests.support.dev_idp import DevIdp, dev_idp_unavailable_reason, start_dev_idp
from tests.web.conftest import CHROMIUM
from tests.web.helpers import ask, last_answer

pytestmark = pytest.mark.browser

CLIENT_SECRET = "assistant-dev-secret"
PERMIS = "Le permis de construire est instruit en 2 mois par le service urbanisme."
BUDGET = "Le budget confidentiel du projet Phénix est de 12 millions d'euros."


@dataclass
class SsoServer:
    url: str
    idp: DevIdp


def _write(folder: Path, name: str, title: str, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / name).write_text(f"# {title}\n\n{text}\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SsoServer]:
    if not CHROMIUM.exists():
        pytest.skip("the Debian chromium package is not installed")
    reason = dev_idp_unavailable_reason()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("ingestion.parsers")

    # The app's port is needed before the IdP starts (redirect URIs): bind it now, serve on it later.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    idp = start_dev_idp(client_secret=CLIENT_SECRET, redirect_uris=[f"{url}/auth/callback"],
                        post_logout_redirect_uris=[f"{url}/"])
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    try:
        settings = load_settings(
            environ={"ASSISTANT_DATA_DIR": str(tmp_path_factory.mktemp("sso-data"))},
            profile="development",
            auth={"mode": "oidc",
                  "oidc": {"server_url": idp.server_url, "realm": idp.realm, "client_id": idp.client_id,
                           "client_secret": CLIENT_SECRET, "public_url": url},
                  "session": {"cookie_secure": False}})
        runtime = Runtime(settings)
        corpus = tmp_path_factory.mktemp("sso-corpus")
        runtime.ingestor().ingest([_write(corpus / "urbanisme", "permis.md", "Permis de construire", PERMIS)],
                                  collection="urbanisme", groups=["urbanisme"])
        runtime.ingestor().ingest([_write(corpus / "direction", "budget-phenix.md", "Budget du projet Phénix", BUDGET)],
                                  collection="direction", groups=["direction-generale"])
        app = create_app(settings, services=build_services(runtime))  # no authenticator: the OIDC one
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start\n{idp.stderr}")
            time.sleep(0.05)
        yield SsoServer(url, idp)
    finally:
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=10)
        sock.close()
        idp.stop()


@pytest.fixture
def sso_page(browser_context: BrowserContext, sso_server: SsoServer) -> Iterator[Page]:
    # The context is shared with the other browser tests: start and end without any cookie.
    browser_context.clear_cookies()
    page = browser_context.new_page()
    yield page
    page.close()
    browser_context.clear_cookies()


def _log_in(page: Page, idp: DevIdp, username: str, password: str) -> None:
    expect(page).to_have_url(re.compile("^" + re.escape(idp.issuer) + "/"))
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#kc-login").click()


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()


def test_a_page_without_session_goes_to_the_login_and_back(sso_page: Page, sso_server: SsoServer) -> None:
    """No "Connexion requise" page to click through: straight to the IdP, then back to the page asked for."""
    sso_page.goto(sso_server.url + "/?conversation=c-42")
    _log_in(sso_page, sso_server.idp, "julien.bernard", "julien-dev")
    expect(sso_page).to_have_url(sso_server.url + "/?conversation=c-42")
    expect(sso_page.locator(".site-header__user")).to_contain_text("julien.bernard")


def test_sso_login_group_filtering_logout_and_forbidden(sso_page: Page, sso_server: SsoServer) -> None:
    page, url, idp = sso_page, sso_server.url, sso_server.idp

    # Not logged in: the assistant sends the browser to the IdP's login form.
    page.goto(url + "/")
    _log_in(page, idp, "julien.bernard", "julien-dev")
    expect(page).to_have_url(url + "/")
    expect(page.locator(".site-header__user")).to_contain_text("julien.bernard")
    me = page.request.get(url + "/auth/me")
    assert me.status == 200 and me.json()["username"] == "julien.bernard"
    expect(page.get_by_label("urbanisme")).to_be_visible()
    expect(page.get_by_label("direction", exact=True)).to_have_count(0)

    # The direction-générale document is not readable by an urbanisme agent: never shown, never quoted.
    ask(page, "Quel est le budget du projet Phénix ?")
    answer = last_answer(page)
    expect(answer).not_to_contain_text("12 millions")
    expect(answer).not_to_contain_text("budget-phenix.md")
    expect(answer).not_to_contain_text("Budget du projet Phénix")

    ask(page, "En combien de temps le permis de construire est-il instruit ?")
    answer = last_answer(page)
    expect(answer.locator(".source__file").first).to_have_text("permis.md")
    expect(answer).to_contain_text("2 mois")
    expect(page.locator("#thread")).not_to_contain_text("12 millions")

    # Log out: the session ends here and at the IdP, which sends the browser back to the assistant, and
    # from there to the IdP's login form (no SSO session left there to log in silently).
    _log_out(page)
    expect(page.locator("#username")).to_be_visible()
    me = page.request.get(url + "/auth/me", headers={"Accept": "application/json"})
    assert me.status == 401

    # A user without the agent role: the French 403 page.
    _log_in(page, idp, "paul.durand", "paul-dev")
    expect(page).to_have_url(url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    expect(page.locator("main")).to_contain_text("votre compte n'a pas le rôle nécessaire")
    page.screenshot(path="/tmp/sso.png")
    me = page.request.get(url + "/auth/me")
    assert me.status == 200 and me.json()["username"] == "paul.durand" and "agent" not in me.json()["roles"]
