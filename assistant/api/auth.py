"""Who is calling: an authenticator turns a request into a `Principal` or refuses it."""

from __future__ import annotations

from typing import Protocol

from fastapi import HTTPException, Request, status

from assistant.config import AuthSettings, Settings
from assistant.database import Database
from assistant.principal import Principal


class AuthenticationRequired(HTTPException):
    def __init__(self, detail: str = "authentication required") -> None:
        super().__init__(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


class Authenticator(Protocol):
    def authenticate(self, request: Request) -> Principal: ...


class DevelopmentAuthenticator:
    """Everyone is the configured development user. Refused outside the development profile."""

    def __init__(self, settings: AuthSettings) -> None:
        user = settings.dev_user
        self._principal = Principal.of(user.username, user.groups, user.roles)

    def authenticate(self, request: Request) -> Principal:
        return self._principal


class ConfigurationRefused(RuntimeError):
    """The configuration is unsafe for this profile; the message says what to change."""


def check_auth_configuration(settings: Settings) -> None:
    if settings.auth.mode == "development" and settings.profile != "development":
        raise ConfigurationRefused(
            "auth.mode 'development' lets anyone in: it is refused unless profile is 'development'")


def build_authenticator(settings: Settings, database: Database) -> Authenticator:
    check_auth_configuration(settings)
    if settings.auth.mode == "development":
        return DevelopmentAuthenticator(settings.auth)
    from assistant.api.keycloak_auth import build_oidc_authenticator

    return build_oidc_authenticator(settings, database)
