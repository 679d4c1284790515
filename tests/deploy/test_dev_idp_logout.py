"""Logout: RP-initiated at the provider (ends the SSO session and its refresh tokens)."""

from __future__ import annotations

import httpx
import pytest

from tests.deploy.dev_idp_helpers import PASSWORDS, login
from tests.support.dev_idp import (
    TEST_POST_LOGOUT_REDIRECT_URI,
    DevIdp,
    LoginFailed,
    dev_idp_unavailable_reason,
)

_reason = dev_idp_unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)


def test_rp_initiated_logout_ends_the_provider_session(idp: DevIdp):
    with idp.browser() as browser:
        tokens = browser.login("claire.martin", PASSWORDS["claire.martin"])
        browser.authorize(None, None)  # SSO: a second authorization needs no password
        response = browser.logout(tokens["id_token"], TEST_POST_LOGOUT_REDIRECT_URI)
        assert response.status_code == 303
        assert response.headers["location"] == TEST_POST_LOGOUT_REDIRECT_URI
        with pytest.raises(LoginFailed, match="aucune session"):
            browser.authorize(None, None)
    with pytest.raises(LoginFailed, match="invalid_grant"):
        idp.refresh(tokens["refresh_token"])


def test_logout_page_auto_submits_with_id_token_hint(idp: DevIdp):
    with idp.browser() as browser:
        tokens = browser.login("admin", PASSWORDS["admin"])
        page = browser.http.get(
            idp.end_session_endpoint,
            params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": TEST_POST_LOGOUT_REDIRECT_URI},
        )
    assert page.status_code == 200
    assert 'id="kc-logout-form"' in page.text and 'id="kc-logout"' in page.text
    assert "requestSubmit" in page.text


def test_unregistered_post_logout_redirect_uri_is_refused(idp: DevIdp):
    tokens = login(idp, "admin")
    response = httpx.get(
        idp.end_session_endpoint,
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert response.status_code == 400
