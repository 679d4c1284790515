"""Settings of identity: the Keycloak realm and client, web sessions, the development login, the user
directory. Part of `config.yaml` (`auth:` and `directory:`), validated with the rest by `load_settings`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from assistant.settings_base import StrictSettings as _Strict


class DevUserSettings(_Strict):
    username: str = Field("agent.demo", description="Identity used by the development authenticator.")
    groups: list[str] = Field(default_factory=list, description="Its groups.")
    roles: list[str] = Field(default_factory=lambda: ["agent"], description="Its realm roles.")


class RoleNames(_Strict):
    agent: str = Field("agent", description="Keycloak realm role that allows chatting.")
    citizen_service: str = Field("citizen_service", description="Realm role of citizen-service staff.")
    analyst: str = Field("analyst", description="Realm role for territorial analysis.")
    admin: str = Field("admin", description="Realm role for ingestion, collections, access preview and audit.")


class OidcSettings(_Strict):
    server_url: str = Field("http://127.0.0.1:8180/", description="Keycloak base URL (before /realms/...).")
    realm: str = Field("demo", description="Keycloak realm.")
    client_id: str = Field("assistant", description="OIDC client of the assistant.")
    client_secret: SecretStr | None = Field(None, description="Its secret; write ${ENV_VAR}, not the value.")
    audience: str | None = Field(None, description="Expected `aud` of access tokens (default: client_id).")
    groups_claim: str = Field("groups", description="Claim carrying the user's groups (Keycloak group mapper).")
    username_claim: str = Field("preferred_username", description="Claim carrying the login name.")
    roles: RoleNames = Field(default_factory=RoleNames)  # type: ignore[arg-type]
    leeway_s: int = Field(30, ge=0, le=120, description="Clock skew tolerated on exp/nbf/iat, in seconds.")
    jwks_cache_s: int = Field(300, ge=10, description="How long signing keys are cached (unknown kid: refetch).")
    public_url: str = Field("http://127.0.0.1:8000", description="The assistant's URL as browsers see it.")
    verify_tls: bool = Field(True, description="Verify Keycloak's TLS certificate.")
    timeout_s: float = Field(10, gt=0, description="Timeout of calls to Keycloak.")

    @property
    def issuer(self) -> str:
        return f"{self.server_url.rstrip('/')}/realms/{self.realm}"


class SessionSettings(_Strict):
    cookie_name: str = Field("assistant_session", description="Name of the web session cookie.")
    cookie_secure: bool = Field(True, description="Send the cookie over HTTPS only (turn off only on http dev).")
    max_age_s: int = Field(8 * 3600, ge=300, description="A web session ends after this, whatever happens.")
    pending_logins_max: int = Field(
        10_000, ge=10, le=1_000_000, description="Logins started (GET /auth/login) and not finished kept at most "
        "(10 minutes each); beyond, the oldest are dropped.")
    pending_logins_per_client: int = Field(
        20, ge=1, le=1000, description="Of those, kept at most per client address (behind a reverse proxy, the "
        "address it forwards: uvicorn's proxy headers); beyond, that address's oldest are dropped.")

    @model_validator(mode="after")
    def _per_client_within_max(self) -> SessionSettings:
        if self.pending_logins_per_client > self.pending_logins_max:
            raise ValueError("auth.session.pending_logins_per_client cannot exceed pending_logins_max")
        return self


class AuthSettings(_Strict):
    mode: Literal["oidc", "development"] = Field(
        "oidc", description="`oidc`: Keycloak login and Bearer tokens. `development`: everyone is `dev_user`; "
        "refused unless profile is development.")
    dev_user: DevUserSettings = Field(default_factory=DevUserSettings)  # type: ignore[arg-type]
    oidc: OidcSettings = Field(default_factory=OidcSettings)  # type: ignore[arg-type]
    session: SessionSettings = Field(default_factory=SessionSettings)  # type: ignore[arg-type]


class DirectorySettings(_Strict):
    backend: Literal["keycloak", "file"] = Field(
        "keycloak", description="Where the users' groups and roles are looked up for access previews and "
        "`assistant ask --as-user`: Keycloak's admin API with the assistant's service account, or a YAML file.")
    file: Path | None = Field(
        None, description="file only: YAML of users (schema of deploy/dev-idp/users.yaml), relative to the "
        "project root or absolute.")
    group_full_path: bool = Field(
        True, description="keycloak only: groups are named by their full path (\"pole/service\"), as Keycloak's "
        "Group Membership mapper does with 'Full group path' on; must match that mapper.")

    @model_validator(mode="after")
    def _file_is_given(self) -> DirectorySettings:
        if self.backend == "file" and self.file is None:
            raise ValueError("directory.file is required when directory.backend is 'file'")
        return self
