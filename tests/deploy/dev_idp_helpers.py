"""Shared by the dev IdP tests: the demo realm's users, and token validation as the app does it."""

from __future__ import annotations

from typing import Any

import jwt
import yaml

from tests.support.dev_idp import DEFAULT_USERS_FILE, DevIdp

USERS = yaml.safe_load(DEFAULT_USERS_FILE.read_text(encoding="utf-8"))
PASSWORDS = {u["username"]: u["password"] for u in USERS["users"]}
APP_ROLES = set(USERS["roles"])
KEYCLOAK_DEFAULT_ROLES = {"default-roles-demo", "offline_access", "uma_authorization"}


def login(idp: DevIdp, username: str) -> dict[str, Any]:
    return idp.login(username, PASSWORDS[username])


def validate(idp: DevIdp, token: str, jwks: Any = None, **kwargs: Any) -> dict[str, Any]:
    """What the app does: key from the JWKS by kid, RS256 only, issuer + audience + expiry checked."""
    client = jwks or jwt.PyJWKClient(idp.jwks_uri, cache_keys=False)
    key = client.get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience="assistant",
        issuer=idp.issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        **kwargs,
    )
