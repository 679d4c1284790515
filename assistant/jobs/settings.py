"""Settings of the background jobs: workers, leases, and the daily scheduled jobs (`jobs:` in config.yaml)."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StringConstraints, field_validator, model_validator

from assistant.settings_base import StrictSettings

_Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SyncFolderSettings(StrictSettings):
    path: Path = Field(description="Folder re-ingested every night with --sync (absolute, or relative to the "
                       "project root).")
    collection: _Name = Field(description="Collection the folder is ingested into.")
    groups: list[_Name] = Field(default_factory=list, description="Groups that may read the collection if the "
                                "nightly run creates it (an existing collection keeps its readers).")
    public: bool = Field(False, description="A collection the nightly run creates is readable by every agent.")


class JobsSettings(StrictSettings):
    worker_concurrency: int = Field(
        1, ge=1, le=8, description="Jobs one `assistant worker` process runs at the same time (an ingestion "
        "already uses both cores of a small server: more than 1 only helps with several CPUs).")
    lease_s: float = Field(
        60.0, ge=1, le=3600, description="A running job whose worker has not renewed its lease for this long "
        "(the worker was killed, or its machine stopped) is taken over by another worker.")
    heartbeat_s: float = Field(
        10.0, gt=0, le=600, description="How often a worker renews the leases of its running jobs and looks "
        "for jobs to take over; must be under half of lease_s.")
    poll_s: float = Field(
        1.0, gt=0, le=60, description="How long an idle worker waits for a new job before looking again "
        "(PostgreSQL wakes it at once with LISTEN/NOTIFY; SQLite is polled).")
    max_attempts: int = Field(
        3, ge=1, le=100, description="A job whose worker died this many times while running it fails (a file "
        "that crashes the whole worker must not loop forever).")
    timezone: str = Field("Europe/Paris", description="Time zone of the schedule times below.")
    audit_purge_at: time | None = Field(
        time(3, 30), description="Daily time of `assistant audit purge` (HH:MM); empty: not scheduled.")
    sync_at: time | None = Field(
        time(2, 0), description="Daily time of the re-ingestion of sync_folders with --sync (HH:MM); empty: "
        "not scheduled.")
    sync_folders: list[SyncFolderSettings] = Field(
        default_factory=list, description="Folders re-ingested every night (one ingestion job each).")
    keep_days: int = Field(
        90, ge=1, le=3650, description="Finished jobs (and their per-file outcomes) older than this are deleted "
        "by the daily audit purge job.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Paris)") from exc
        return value

    @model_validator(mode="after")
    def _heartbeat_fits_lease(self) -> JobsSettings:
        if self.heartbeat_s * 2 > self.lease_s:
            raise ValueError(f"jobs.heartbeat_s ({self.heartbeat_s:g}) must be at most half of jobs.lease_s "
                             f"({self.lease_s:g}): a live worker would lose its jobs")
        return self
