"""The daily jobs (audit purge, nightly --sync of the configured folders), due at their time.

Every worker ticks (`Scheduler.tick`) with the window since its previous tick: a time of day inside the
window creates that day's job. Each run has a slot name ("audit_purge@2026-05-04") that is unique in the
jobs table, so several workers ticking at once create it once. A time passed while no worker ran is not
caught up: the next day's run does the work (a sync, a purge) that the missed one would have done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from assistant.jobs.kinds import AUDIT_PURGE, INGEST
from assistant.jobs.settings import JobsSettings


@dataclass(frozen=True)
class ScheduledJob:
    slot: str
    kind: str
    payload: dict[str, Any]


def _moments(start: datetime, end: datetime, at: time, zone: ZoneInfo) -> Iterator[date]:
    """The days whose `at` (local time) falls in (start, end]."""
    day = start.astimezone(zone).date()
    while day <= end.astimezone(zone).date():
        moment = datetime.combine(day, at, tzinfo=zone)
        if start < moment <= end:
            yield day
        day += timedelta(days=1)


def due_jobs(settings: JobsSettings, start: datetime, end: datetime,
             resolve: Callable[[Any], Any] = lambda path: path) -> list[ScheduledJob]:
    """The scheduled jobs whose time falls in (start, end]; `resolve` makes folder paths absolute."""
    zone = ZoneInfo(settings.timezone)
    jobs: list[ScheduledJob] = []
    if settings.audit_purge_at is not None:
        jobs += [ScheduledJob(f"{AUDIT_PURGE}@{day}", AUDIT_PURGE, {})
                 for day in _moments(start, end, settings.audit_purge_at, zone)]
    if settings.sync_at is not None:
        for day in _moments(start, end, settings.sync_at, zone):
            for folder in settings.sync_folders:
                path = str(resolve(folder.path))
                payload = {"paths": [path], "collection": folder.collection, "groups": folder.groups or None,
                           "public": folder.public, "sync": True}
                jobs.append(ScheduledJob(f"sync:{folder.collection}:{path}@{day}", INGEST, payload))
    return jobs


class Scheduler:
    """Creates the due jobs in the queue; `clock` is injectable (tests), and returns aware datetimes."""

    def __init__(self, settings: JobsSettings, create: Callable[[ScheduledJob], int | None],
                 clock: Callable[[], datetime], resolve: Callable[[Any], Any] = lambda path: path) -> None:
        self._settings = settings
        self._create = create
        self._clock = clock
        self._resolve = resolve
        self._last = clock()

    def tick(self) -> list[int]:
        """Create the jobs due since the previous tick; returns the ids created by this call."""
        now = self._clock()
        due = due_jobs(self._settings, self._last, now, self._resolve)
        self._last = now
        return [job_id for job in due if (job_id := self._create(job)) is not None]
