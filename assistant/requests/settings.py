"""Settings of the citizen-requests module (`requests:` in config.yaml)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from assistant.settings_base import StrictSettings


class RequestsSettings(StrictSettings):
    taxonomy: Path = Field(
        Path("taxonomies/metropole.yaml"), description="YAML file of the collectivity's categories (relative to "
        "the project root, or absolute).")
    review_threshold: float = Field(
        0.5, ge=0, le=1, description="Below this confidence a request goes to the 'à qualifier' queue instead "
        "of being routed to a service.")
    other_topic_threshold: float = Field(
        0.35, ge=0, le=1, description="Confidence from which a further topic of the same message is reported.")
    max_other_topics: int = Field(3, ge=0, le=10, description="Further topics reported per message, at most.")
    communes: list[str] = Field(
        default_factory=list, description="Communes of the territory: recognised in messages and used to "
        "normalise addresses (empty: a commune is taken from a postal code or 'à <Commune>' after an address).")
