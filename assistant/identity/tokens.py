"""OpenID Connect with Keycloak: access-token validation and the mapping of claims to a `Principal`.

Tokens are verified locally against the realm's JWKS (cached; an unknown `kid` triggers one refetch,
which is how Keycloak key rotation is picked up): RS256/ES256 signature, issuer, audience, expiry and
not-before with a bounded clock skew; then the token type (`typ` Bearer: an access token, not an ID or
refresh token) and the authorised party (`azp`: issued to this client).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import jwt

from assistant.config import OidcSettings
from assistant.identity.errors import IdentityProviderUnavailable, InvalidToken
from assistant.principal import Principal

_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
_MIN_REFETCH_INTERVAL_S = 10.0
ROLE_FIELDS = ("agent", "citizen_service", "analyst", "admin")


class JwksCache:
    def __init__(self, jwks_url: str, cache_s: int, verify_tls: bool, timeout_s: float) -> None:
        self._url, self._cache_s, self._verify, self._timeout = jwks_url, cache_s, verify_tls, timeout_s
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        try:
            response = httpx.get(self._url, verify=self._verify, timeout=self._timeout)
            response.raise_for_status()
            keys = response.json()["keys"]
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise IdentityProviderUnavailable(f"cannot read the signing keys at {self._url}: {exc}") from exc
        self._keys = {key["kid"]: jwt.PyJWK(key).key for key in keys if "kid" in key and key.get("use", "sig") == "sig"}
        self._fetched_at = time.monotonic()

    def key(self, kid: str) -> Any:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            if not self._keys or age > self._cache_s or (kid not in self._keys and age > _MIN_REFETCH_INTERVAL_S):
                self._fetch()
            if kid not in self._keys:
                raise InvalidToken("token signed with an unknown key")
            return self._keys[kid]


class TokenValidator:
    def __init__(self, settings: OidcSettings) -> None:
        self._settings = settings
        self._jwks = JwksCache(f"{settings.issuer}/protocol/openid-connect/certs", settings.jwks_cache_s,
                               settings.verify_tls, settings.timeout_s)

    def claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") not in _ALGORITHMS or "kid" not in header:
            raise InvalidToken("token algorithm or key id not accepted")
        key = self._jwks.key(str(header["kid"]))
        claims = self._verified(token, key)
        # As Keycloak's own adapters: an ID token or a refresh token is no access token, and a token issued
        # to another client is not for us, even with us in its audience.
        if claims.get("typ") != "Bearer":
            raise InvalidToken("not an access token")
        if claims.get("azp") != self._settings.client_id:
            raise InvalidToken("token issued to another client (azp)")
        return claims

    def _verified(self, token: str, key: Any) -> dict[str, Any]:
        try:
            return jwt.decode(
                token, key, algorithms=_ALGORITHMS, issuer=self._settings.issuer,
                audience=self._settings.audience or self._settings.client_id, leeway=self._settings.leeway_s,
                options={"require": ["exp", "iat", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("token not issued for this application (audience)") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("token issued by another identity provider") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc


def _claim(claims: dict[str, Any], dotted: str) -> Any:
    value: Any = claims
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def principal_from_claims(claims: dict[str, Any], settings: OidcSettings) -> Principal:
    username = claims.get(settings.username_claim) or claims.get("sub")
    if not username:
        raise InvalidToken(f"token has no '{settings.username_claim}' claim")
    groups = _claim(claims, settings.groups_claim) or []
    realm_roles = set(_claim(claims, "realm_access.roles") or [])
    names = settings.roles
    roles = [field for field in ROLE_FIELDS if getattr(names, field) in realm_roles]
    if not isinstance(groups, list):
        raise InvalidToken(f"claim '{settings.groups_claim}' is not a list")
    return Principal.of(str(username), [str(g) for g in groups], roles)
