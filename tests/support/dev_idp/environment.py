"""Where the dev IdP lives, whether it can run here, its errors, and PKCE."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
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
