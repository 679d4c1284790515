"""What every settings model shares: strict (an unknown key is an error naming it) and frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file and the key."""


class StrictSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
