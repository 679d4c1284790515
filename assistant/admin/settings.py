"""Settings of the admin page (`admin:` in config.yaml): which folders an admin may ingest from."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from assistant.settings_base import StrictSettings


class AdminSettings(StrictSettings):
    ingest_roots: list[Path] = Field(
        default_factory=lambda: [Path("data/imports"), Path("deploy/demo/generated")],
        min_length=1,
        description="Folders the admin page may ingest from (absolute, or relative to the project root): a "
        "requested folder, once its symbolic links and `..` are resolved, must lie inside one of them, so that "
        "an admin cannot index /etc or another application's files.")
