"""What can go wrong when establishing who someone is."""

from __future__ import annotations


class NotAuthenticated(Exception):
    """The caller has not proven who they are; the message says why (and is safe to show them)."""


class InvalidToken(NotAuthenticated):
    """The token cannot be trusted; the message says why (expired, bad signature, wrong audience...)."""


class IdentityProviderUnavailable(Exception):
    """Keycloak could not be reached or answered nonsense: says nothing about the caller."""


class ConfigurationRefused(RuntimeError):
    """The configuration is unsafe for this profile; the message says what to change."""


class LoginExpired(NotAuthenticated):
    """The pending login is unknown, used already or too old: the user must start again."""
