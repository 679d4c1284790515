"""The front channel, played by a cookie-keeping HTTP client: SSO session, login form, logout."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from tests.support.dev_idp.environment import TEST_REDIRECT_URI, DevIdpError, LoginFailed, pkce_pair

if TYPE_CHECKING:
    from tests.support.dev_idp.server import DevIdp


class _Forms(HTMLParser):
    """Collects the forms of a page: id, action, and the named inputs with their values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.alerts: list[str] = []
        self._in_alert = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"id": a.get("id", ""), "action": a.get("action", ""), "inputs": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["inputs"][a["name"]] = a.get("value", "")
        if a.get("role") == "alert":
            self._in_alert = True
            self.alerts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._in_alert = False

    def handle_data(self, data: str) -> None:
        if self._in_alert:
            self.alerts[-1] += data

    def form(self, form_id: str) -> dict[str, Any] | None:
        return next((f for f in self.forms if f["id"] == form_id), None)


def _parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


class DevIdpBrowser:
    """A cookie-keeping HTTP client that plays the browser: SSO session, login, logout."""

    def __init__(self, idp: DevIdp, timeout: float = 10.0) -> None:
        self.idp = idp
        self.http = httpx.Client(follow_redirects=False, timeout=timeout)

    def __enter__(self) -> DevIdpBrowser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _follow(self, response: httpx.Response, stop_prefix: str, max_hops: int = 10) -> httpx.Response:
        """Follows redirects inside the provider, stopping at a page or at a redirect to `stop_prefix`."""
        for _ in range(max_hops):
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            location = urljoin(str(response.url), response.headers["location"])
            if location.startswith(stop_prefix):
                return response
            response = self.http.get(location)
        raise DevIdpError("trop de redirections")

    def authorize(
        self,
        username: str | None,
        password: str | None,
        *,
        client_id: str | None = None,
        redirect_uri: str = TEST_REDIRECT_URI,
        scope: str = "openid profile email",
        extra_params: Mapping[str, str] | None = None,
    ) -> tuple[str, str, str]:
        """Runs the front-channel part; returns (code, code_verifier, nonce).

        Credentials may be None when the browser already has an SSO session (no form expected).
        """
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        params = {
            "client_id": client_id or self.idp.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **(extra_params or {}),
        }
        response = self.http.get(self.idp.authorization_endpoint, params=params)
        location = self._sign_in(response, username, password, redirect_uri)
        return self._code_from(location, state), verifier, nonce

    def sign_in(self, authorization_url: str, username: str | None, password: str | None, redirect_uri: str) -> str:
        """The front channel of a login another client started (the app's /auth/login redirect, say).

        Returns the provider's redirect to `redirect_uri` (with `code` and `state`, or `error`), unchecked.
        """
        return self._sign_in(self.http.get(authorization_url), username, password, redirect_uri)

    def _sign_in(
        self, response: httpx.Response, username: str | None, password: str | None, redirect_uri: str
    ) -> str:
        response = self._follow(response, redirect_uri)
        if response.status_code == 200:
            response = self._follow(self._submit_login_form(response, username, password), redirect_uri)
        if response.status_code not in (302, 303):
            raise DevIdpError(f"réponse inattendue {response.status_code}: {response.text[:300]}")
        return urljoin(str(response.url), response.headers["location"])

    def _submit_login_form(
        self, response: httpx.Response, username: str | None, password: str | None
    ) -> httpx.Response:
        page = _parse(response.text)
        form = page.form("kc-form-login")
        if form is None:
            raise DevIdpError(f"page inattendue ({response.url}): {page.alerts or response.text[:300]}")
        if username is None:
            raise LoginFailed("formulaire de connexion affiché : aucune session SSO")
        response = self.http.post(
            urljoin(str(response.url), form["action"]),
            data={"username": username, "password": password or ""},
        )
        if response.status_code == 200:
            alerts = _parse(response.text).alerts
            raise LoginFailed(alerts[0].strip() if alerts else "connexion refusée")
        return response

    def _code_from(self, location: str, state: str) -> str:
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        if "error" in query:
            raise LoginFailed(f"{query['error']}: {query.get('error_description', '')}")
        if query.get("state") != state:
            raise DevIdpError("state ne correspond pas")
        if query.get("iss") not in (None, self.idp.issuer):
            raise DevIdpError(f"iss inattendu dans la réponse d'autorisation: {query.get('iss')}")
        return query["code"]

    def login(
        self,
        username: str | None,
        password: str | None,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uri: str = TEST_REDIRECT_URI,
        *,
        scope: str = "openid profile email",
    ) -> dict[str, Any]:
        """Full code + PKCE flow; returns the token endpoint's JSON (access/refresh/id tokens)."""
        code, verifier, nonce = self.authorize(
            username, password, client_id=client_id, redirect_uri=redirect_uri, scope=scope
        )
        tokens = self.idp.exchange_code(
            code, verifier, client_id=client_id, client_secret=client_secret, redirect_uri=redirect_uri
        )
        tokens["nonce"] = nonce
        return tokens

    def logout(self, id_token: str | None = None, post_logout_redirect_uri: str | None = None) -> httpx.Response:
        """RP-initiated logout, as the browser does it (confirmation form submitted)."""
        params = {}
        if id_token:
            params["id_token_hint"] = id_token
        if post_logout_redirect_uri:
            params["post_logout_redirect_uri"] = post_logout_redirect_uri
        response = self.http.get(self.idp.end_session_endpoint, params=params)
        if response.status_code == 200:
            page = _parse(response.text)
            form = page.form("kc-logout-form") or page.form("")
            if form is None:
                raise DevIdpError(f"page de déconnexion inattendue: {response.text[:300]}")
            response = self.http.post(
                urljoin(str(response.url), form["action"]), data={**form["inputs"], "logout": "yes"}
            )
        stop = post_logout_redirect_uri or "\0"
        return self._follow(response, stop)
