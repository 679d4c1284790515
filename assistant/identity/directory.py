"""Who a user is, looked up by name without their token: for access previews and `ask --as-user`.

In production the source of truth is Keycloak, read through its admin API with the assistant's own
service account (client credentials). The entry found is turned into a `Principal` by the very function
that maps token claims, so a preview shows what the service would grant at the user's next login.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml
from keycloak import KeycloakAdmin
from keycloak.exceptions import KeycloakConnectionError, KeycloakError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.config import DirectorySettings, OidcSettings, Settings
from assistant.identity.errors import ConfigurationRefused
from assistant.identity.guard import refuse_development_provider
from assistant.identity.tokens import principal_from_claims
from assistant.principal import Principal


class UnknownUser(LookupError):
    """No such user in the directory."""


class DirectoryUnavailable(RuntimeError):
    """The directory could not be read; the message says why and what to fix."""


@dataclass(frozen=True)
class DirectoryEntry:
    username: str
    groups: tuple[str, ...]
    realm_roles: tuple[str, ...]
    enabled: bool = True


class UserDirectory(Protocol):
    def lookup(self, username: str) -> DirectoryEntry:
        """The user's groups and realm roles; raises `UnknownUser` or `DirectoryUnavailable`."""
        ...


def principal_for(entry: DirectoryEntry, oidc: OidcSettings) -> Principal:
    """The principal the service would build from this user's access token."""
    claims: dict[str, Any] = {"realm_access": {"roles": list(entry.realm_roles)}}
    _put(claims, oidc.username_claim, entry.username)
    _put(claims, oidc.groups_claim, list(entry.groups))
    return principal_from_claims(claims, oidc)


def _put(claims: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        claims = claims.setdefault(part, {})
    claims[last] = value


class _FileUser(BaseModel):
    model_config = ConfigDict(extra="ignore")  # passwords, e-mails... of the dev-idp file are not kept
    username: str = Field(min_length=1)
    roles: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    enabled: bool = True


class _FileUsers(BaseModel):
    model_config = ConfigDict(extra="ignore")
    users: list[_FileUser] = Field(default_factory=list)


class FileUserDirectory:
    """Users listed in a YAML file (schema of deploy/dev-idp/users.yaml), re-read at each lookup."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def lookup(self, username: str) -> DirectoryEntry:
        for user in self._users():
            if user.username.casefold() == username.casefold():
                return DirectoryEntry(user.username, tuple(user.groups), tuple(user.roles), user.enabled)
        raise UnknownUser(username)

    def _users(self) -> list[_FileUser]:
        try:
            raw = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            return _FileUsers.model_validate(raw).users
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise DirectoryUnavailable(f"cannot read the users file {self.path}: {exc}") from exc


class KeycloakUserDirectory:
    """Keycloak's admin REST API, as the assistant's service account.

    The client needs "Service accounts roles" on, and the realm-management client role `view-users`
    (which includes query-users and query-groups) given to its service account. The development identity
    provider (deploy/dev-idp) is refused unless `development` is true (profile development).
    """

    def __init__(self, oidc: OidcSettings, group_full_path: bool = True, development: bool = False) -> None:
        self._oidc = oidc
        self._full_path = group_full_path
        self._development = development
        self._admin: Any = None
        self._lock = threading.Lock()

    def lookup(self, username: str) -> DirectoryEntry:
        try:
            return self._lookup(username)
        except KeycloakError as exc:
            raise DirectoryUnavailable(self._explain(exc)) from exc

    def _explain(self, exc: Any) -> str:
        oidc, code = self._oidc, exc.response_code
        if isinstance(exc, KeycloakConnectionError):
            cause = (exc.__cause__ or exc).__class__.__name__
            return (f"cannot reach Keycloak at {oidc.server_url} ({cause}): check auth.oidc.server_url and that "
                    "Keycloak is running")
        said = _body_excerpt(exc.error_message)
        if code == 401:
            return (f"Keycloak at {oidc.issuer} refused the client credentials of '{oidc.client_id}' (HTTP 401{said}): "
                    "check auth.oidc.client_id, auth.oidc.client_secret and that the client has 'Service accounts "
                    "roles' on")
        if code == 403:
            return (f"Keycloak admin API at {oidc.issuer} refused the service account of '{oidc.client_id}' "
                    f"(HTTP 403{said}): give it realm-management's view-users role")
        if code == 404:
            return (f"Keycloak answered 'not found' for {oidc.issuer} (HTTP 404{said}): check auth.oidc.server_url "
                    "and auth.oidc.realm")
        return (f"Keycloak admin API at {oidc.issuer} refused or failed ({exc.__class__.__name__}, HTTP {code}{said}): "
                "check auth.oidc.client_secret, that the client has 'Service accounts roles' on and that its "
                "service account has realm-management's view-users role")

    def _lookup(self, username: str) -> DirectoryEntry:
        admin = self._connect()
        users = admin.get_users({"username": username, "exact": True})
        user = next((u for u in users if str(u.get("username", "")).casefold() == username.casefold()), None)
        if user is None:
            raise UnknownUser(username)
        groups = admin.get_user_groups(user["id"])
        # Effective realm roles (direct, through groups and composites): what Keycloak puts in the token.
        roles = admin.get_composite_realm_roles_of_user(user["id"])
        names = [str(g["path"] if self._full_path else g["name"]) for g in groups]
        return DirectoryEntry(str(user["username"]), tuple(names), tuple(str(r["name"]) for r in roles),
                              bool(user.get("enabled", True)))

    def _connect(self) -> Any:
        with self._lock:
            return self._admin or self._new_admin()

    def _new_admin(self) -> Any:
        secret = self._oidc.client_secret.get_secret_value() if self._oidc.client_secret else None
        if not secret:
            raise DirectoryUnavailable("directory.backend 'keycloak' needs auth.oidc.client_secret "
                                       "(the assistant's service account)")
        admin = KeycloakAdmin(
            server_url=self._oidc.server_url, realm_name=self._oidc.realm, client_id=self._oidc.client_id,
            client_secret_key=secret, grant_type="client_credentials", verify=self._oidc.verify_tls,
            timeout=max(1, round(self._oidc.timeout_s)))
        if not self._development:
            self._refuse_development_provider(admin)
        self._admin = admin
        return admin

    def _refuse_development_provider(self, admin: Any) -> None:
        try:
            refuse_development_provider(admin.connection.keycloak_openid.well_known(), self._oidc.issuer, False)
        except ConfigurationRefused as exc:
            raise DirectoryUnavailable(str(exc)) from exc


def _body_excerpt(message: Any) -> str:
    """What the server said, shortened, as ": ..." (empty when it said nothing)."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message or "")
    text = " ".join(text.split())
    return f": {text[:200]}" if text else ""


def build_directory(settings: Settings) -> UserDirectory:
    """Nothing is contacted here: Keycloak is reached at the first lookup."""
    directory: DirectorySettings = settings.directory
    if directory.backend == "file":
        assert directory.file is not None  # enforced by DirectorySettings
        return FileUserDirectory(settings.resolve(directory.file))
    return KeycloakUserDirectory(settings.auth.oidc, directory.group_full_path,
                                 development=settings.profile == "development")
