"""A real browser (Playwright) logs in and out at the dev IdP, as the web UI tests will do."""

from __future__ import annotations

import os
import shutil
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.deploy.dev_idp_helpers import PASSWORDS, validate
from tests.support.dev_idp import (
    TEST_POST_LOGOUT_REDIRECT_URI,
    TEST_REDIRECT_URI,
    DevIdp,
    dev_idp_unavailable_reason,
    pkce_pair,
)

_reason = dev_idp_unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)


def _authorization_url(idp: DevIdp, challenge: str) -> str:
    return f"{idp.authorization_endpoint}?" + urlencode(
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


def _log_in(page: Any, auth_url: str) -> str:
    """Wrong password first, then the right one; returns the URL the provider sent the browser back to."""
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
    return callbacks[-1]


def _log_out(page: Any, idp: DevIdp, id_token: str) -> None:
    """RP-initiated logout with id_token_hint: no question asked, back to the app."""
    page.goto(
        f"{idp.end_session_endpoint}?"
        + urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": TEST_POST_LOGOUT_REDIRECT_URI})
    )
    page.wait_for_url(f"{TEST_POST_LOGOUT_REDIRECT_URI}**")


@pytest.mark.browser
def test_browser_login_and_logout_with_playwright(idp: DevIdp):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright non installé")
    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or shutil.which("chromium")
    verifier, challenge = pkce_pair()
    auth_url = _authorization_url(idp, challenge)
    with sync_api.sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        except Exception as exc:  # no browser build here
            pytest.skip(f"Chromium indisponible: {exc}")
        try:
            page = browser.new_page()
            query = parse_qs(urlsplit(_log_in(page, auth_url)).query)
            assert query["state"] == ["etat-1"]
            tokens = idp.exchange_code(query["code"][0], verifier)
            assert validate(idp, tokens["access_token"])["preferred_username"] == "julien.bernard"

            _log_out(page, idp, tokens["id_token"])
            page.goto(auth_url)
            page.wait_for_selector("#kc-form-login")  # the SSO session is gone
        finally:
            browser.close()
