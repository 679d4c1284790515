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

Modules: `environment` (paths, availability, errors, PKCE), `browser` (the front channel, played by a
cookie-keeping HTTP client), `server` (a running provider and its back channel), `launch` (starting it).
"""

from tests.support.dev_idp.browser import DevIdpBrowser
from tests.support.dev_idp.environment import (
    DEFAULT_USERS_FILE,
    DEV_IDP_DIR,
    READY_PREFIX,
    REPO_ROOT,
    SERVER_JS,
    TEST_POST_LOGOUT_REDIRECT_URI,
    TEST_REDIRECT_URI,
    DevIdpError,
    LoginFailed,
    dev_idp_unavailable_reason,
    node_executable,
    pkce_pair,
    skip_if_dev_idp_unavailable,
)
from tests.support.dev_idp.launch import start_dev_idp
from tests.support.dev_idp.server import DevIdp

__all__ = [
    "DEFAULT_USERS_FILE",
    "DEV_IDP_DIR",
    "READY_PREFIX",
    "REPO_ROOT",
    "SERVER_JS",
    "TEST_POST_LOGOUT_REDIRECT_URI",
    "TEST_REDIRECT_URI",
    "DevIdp",
    "DevIdpBrowser",
    "DevIdpError",
    "LoginFailed",
    "dev_idp_unavailable_reason",
    "node_executable",
    "pkce_pair",
    "skip_if_dev_idp_unavailable",
    "start_dev_idp",
]
