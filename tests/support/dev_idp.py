"""Start the development identity provider (deploy/dev-idp, Keycloak look-alike) from tests.

    with start_dev_idp(access_token_ttl=5) as idp:
        tokens = idp.login("julien.bernard", "julien-dev")
        idp.rotate_keys()

or as a pytest fixture::

    @pytest.fixture(scope="module")
    def idp():
        skip_if_dev_idp_unavailable()
        server = start_dev_idp()
        yield server
        server.stop()

`login()` runs the real authorization-code + PKCE flow over HTTP, like a browser would:
GET auth -> login form -> POST credentials -> (consent, automatic here) -> redirect with
`code` -> token exchange. Nothing is mocked.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import hashlib
import os
import queue
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_IDP_DIR = REPO_ROOT / "deploy" / "dev-idp"
SERVER_JS = DEV_IDP_DIR / "server.js"
DEFAULT_USERS_FILE = DEV_IDP_DIR / "users.yaml"

# Never contacted: the flow stops at the redirect and reads `code` from the Location header.
TEST_REDIRECT_URI = "http://127.0.0.1:9/dev-idp-test/callback"
TEST_POST_LOGOUT_REDIRECT_URI = "http://127.0.0.1:9/dev-idp-test/logged-out"

READY_PREFIX = "DEV-IDP READY "


class DevIdpError(RuntimeError):
    """The server could not start, or answered something unexpected."""


class LoginFailed(DevIdpError):
    """The login form was shown again (wrong credentials) or the provider returned an error."""


def node_executable() -> str | None:
    return os.environ.get("DEV_IDP_NODE") or shutil.which("node")


def dev_idp_unavailable_reason() -> str | None:
    """Why the dev IdP cannot run here, or None when it can."""
    if node_executable() is None:
        return "node introuvable (installer Node.js >= 20 pour le fournisseur d'identité de dev)"
    if not (DEV_IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        return "deploy/dev-idp/node_modules absent : lancer `npm ci --prefix deploy/dev-idp --no-audit --no-fund`"
    return None


def skip_if_dev_idp_unavailable() -> None:
    import pytest

    reason = dev_idp_unavailable_reason()
    if reason:
        pytest.skip(reason)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = _b64url(secrets.token_bytes(48))
    return verifier, _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


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
        response = self._follow(self.http.get(self.idp.authorization_endpoint, params=params), redirect_uri)
        if response.status_code == 200:
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
            response = self._follow(response, redirect_uri)
        if response.status_code not in (302, 303):
            raise DevIdpError(f"réponse inattendue {response.status_code}: {response.text[:300]}")
        location = urljoin(str(response.url), response.headers["location"])
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        if "error" in query:
            raise LoginFailed(f"{query['error']}: {query.get('error_description', '')}")
        if query.get("state") != state:
            raise DevIdpError("state ne correspond pas")
        if query.get("iss") not in (None, self.idp.issuer):
            raise DevIdpError(f"iss inattendu dans la réponse d'autorisation: {query.get('iss')}")
        return query["code"], verifier, nonce

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


@dataclass
class DevIdp:
    """A running dev IdP. Use as a context manager, or call `stop()`."""

    process: subprocess.Popen[str]
    issuer: str
    realm: str
    client_id: str
    client_secret: str | None
    _stderr: collections.deque[str] = field(repr=False)

    @property
    def port(self) -> int:
        return urlsplit(self.issuer).port or 80

    @property
    def server_url(self) -> str:
        """What python-keycloak's `KeycloakOpenID(server_url=...)` expects."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def authorization_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/auth"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"

    @property
    def userinfo_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/userinfo"

    @property
    def end_session_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/logout"

    @property
    def stderr(self) -> str:
        """Recent server log lines (banner, logins, errors)."""
        return "".join(self._stderr)

    def __enter__(self) -> DevIdp:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    # --- back channel -------------------------------------------------------------------
    def _client_auth(self, client_id: str | None, client_secret: str | None) -> tuple[str, str] | None:
        cid = client_id or self.client_id
        secret = client_secret if client_secret is not None else (self.client_secret if cid == self.client_id else None)
        return (cid, secret) if secret else None

    def _token_request(self, data: dict[str, str], client_id: str | None, client_secret: str | None) -> dict[str, Any]:
        auth = self._client_auth(client_id, client_secret)
        if auth is None:
            data = {**data, "client_id": client_id or self.client_id}
        response = httpx.post(self.token_endpoint, data=data, auth=auth, timeout=10)
        body = response.json()
        if response.status_code != 200:
            raise LoginFailed(f"{body.get('error')}: {body.get('error_description', '')}")
        return body

    def exchange_code(
        self,
        code: str,
        code_verifier: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uri: str = TEST_REDIRECT_URI,
    ) -> dict[str, Any]:
        return self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": code_verifier,
                "redirect_uri": redirect_uri,
            },
            client_id,
            client_secret,
        )

    def refresh(
        self, refresh_token: str, *, client_id: str | None = None, client_secret: str | None = None
    ) -> dict[str, Any]:
        return self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}, client_id, client_secret
        )

    def browser(self) -> DevIdpBrowser:
        return DevIdpBrowser(self)

    def login(
        self,
        username: str,
        password: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uri: str = TEST_REDIRECT_URI,
        *,
        scope: str = "openid profile email",
    ) -> dict[str, Any]:
        """Real authorization-code + PKCE login in a fresh browser; returns the token response."""
        with self.browser() as browser:
            return browser.login(username, password, client_id, client_secret, redirect_uri, scope=scope)

    def discovery(self) -> dict[str, Any]:
        return httpx.get(self.discovery_url, timeout=10).raise_for_status().json()

    def jwks(self) -> dict[str, Any]:
        return httpx.get(self.jwks_uri, timeout=10).raise_for_status().json()

    def rotate_keys(self, *, keep_previous: bool = True) -> str:
        """New active signing key; returns its kid. keep_previous=False drops the old keys from the JWKS."""
        response = httpx.post(
            f"{self.server_url}_dev/rotate-keys",
            params={"keep_previous": "true" if keep_previous else "false"},
            timeout=30,
        )
        return str(response.raise_for_status().json()["kid"])


def _first_client(users_file: Path) -> tuple[str, str | None]:
    doc = yaml.safe_load(users_file.read_text(encoding="utf-8")) or {}
    client = (doc.get("clients") or [{}])[0]
    return str(client.get("client_id", "assistant")), client.get("secret")


def _pump(stream: Any, sink: Any) -> None:
    for line in iter(stream.readline, ""):
        sink(line)


def start_dev_idp(
    users_file: str | os.PathLike[str] = DEFAULT_USERS_FILE,
    realm: str = "demo",
    access_token_ttl: int = 300,
    *,
    refresh_token_ttl: int | None = None,
    client_secret: str | None = None,
    redirect_uris: Iterable[str] = (TEST_REDIRECT_URI,),
    post_logout_redirect_uris: Iterable[str] = (TEST_POST_LOGOUT_REDIRECT_URI,),
    extra_args: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    dev_flag: bool = True,
    startup_timeout: float = 30.0,
) -> DevIdp:
    """Launches `node deploy/dev-idp/server.js --dev --port 0 ...` and waits for its READY line."""
    reason = dev_idp_unavailable_reason()
    if reason:
        raise DevIdpError(reason)
    users_path = Path(users_file).resolve()
    client_id, yaml_secret = _first_client(users_path)
    cmd = [
        str(node_executable()),
        str(SERVER_JS),
        *(["--dev"] if dev_flag else []),  # without it, env ASSISTANT_PROFILE=development is needed
        "--port",
        "0",
        "--users",
        str(users_path),
        "--realm",
        realm,
        "--access-token-ttl",
        str(access_token_ttl),
        "--exit-with-stdin",  # dies with us even if stop() is never called
    ]
    if refresh_token_ttl is not None:
        cmd += ["--refresh-token-ttl", str(refresh_token_ttl)]
    if client_secret is not None:
        cmd += ["--client-secret", client_secret]
    for uri in redirect_uris:
        cmd += ["--redirect-uri", uri]
    for uri in post_logout_redirect_uris:
        cmd += ["--post-logout-redirect-uri", uri]
    cmd += list(extra_args)

    proc_env = {k: v for k, v in os.environ.items() if not k.startswith("DEV_IDP_")}
    proc_env.update(env or {})
    process = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=proc_env,
        cwd=REPO_ROOT,
    )
    stderr_lines: collections.deque[str] = collections.deque(maxlen=200)
    stdout_lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stderr, stderr_lines.append), daemon=True).start()
    threading.Thread(target=_pump, args=(process.stdout, stdout_lines.put), daemon=True).start()

    issuer = None
    waited = 0.0
    while issuer is None:
        try:
            line = stdout_lines.get(timeout=0.2)
        except queue.Empty:
            waited += 0.2
            if process.poll() is not None or waited >= startup_timeout:
                if process.poll() is None:
                    process.kill()
                process.wait(timeout=5)
                raise DevIdpError(
                    f"dev IdP non démarré (code {process.returncode}):\n{''.join(stderr_lines)}"
                ) from None
            continue
        if line.startswith(READY_PREFIX):
            issuer = line[len(READY_PREFIX) :].strip()

    return DevIdp(
        process=process,
        issuer=issuer,
        realm=realm,
        client_id=client_id,
        client_secret=client_secret if client_secret is not None else yaml_secret,
        _stderr=stderr_lines,
    )
