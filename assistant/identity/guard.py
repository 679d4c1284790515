"""Configurations refused outside the development profile: the development login, the development IdP."""

from __future__ import annotations

from typing import Any

from assistant.config import Settings
from assistant.identity.errors import ConfigurationRefused

# deploy/dev-idp marks its discovery document with this key (Keycloak never sets it).
DEV_PROVIDER_MARKER = "x_development_identity_provider"


def check_auth_configuration(settings: Settings) -> None:
    if settings.auth.mode == "development" and settings.profile != "development":
        raise ConfigurationRefused(
            "auth.mode 'development' lets anyone in: it is refused unless profile is 'development'")


def refuse_development_provider(discovery: dict[str, Any], issuer: str, development: bool) -> None:
    """Raises `ConfigurationRefused` when `discovery` is the development IdP's and `development` is false."""
    if discovery.get(DEV_PROVIDER_MARKER) and not development:
        raise ConfigurationRefused(
            f"{issuer} is the development identity provider: refused unless profile is "
            "'development' (use the collectivity's Keycloak in production)")
