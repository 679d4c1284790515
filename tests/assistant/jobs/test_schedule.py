"""Scheduled jobs: due at their local time (injected clock), created once whatever the number of workers,
and run by real workers from the real queue."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.config import load_settings
from assistant.jobs.schedule import Scheduler, due_jobs
from assistant.jobs.settings import JobsSettings, SyncFolderSettings
from assistant.runtime import Runtime
from tests.support.jobs import job_environment, running_worker, wait_for, write_folder

PARIS = ZoneInfo("Europe/Paris")
SETTINGS = JobsSettings(audit_purge_at=time(3, 30), sync_at=time(2, 0),
                        sync_folders=[SyncFolderSettings(path=Path("/srv/docs"), collection="demo", public=True)])


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_daily_jobs_are_due_at_their_local_time_once_per_day() -> None:
    assert due_jobs(SETTINGS, paris(2026, 5, 4, 1, 0), paris(2026, 5, 4, 1, 59)) == []
    night = due_jobs(SETTINGS, paris(2026, 5, 4, 1, 59), paris(2026, 5, 4, 3, 30))
    assert [(job.slot, job.kind) for job in night] == [
        ("audit_purge@2026-05-04", "audit_purge"), ("sync:demo:/srv/docs@2026-05-04", "ingest")]
    assert night[1].payload == {"paths": ["/srv/docs"], "collection": "demo", "groups": None, "public": True,
                                "sync": True}
    # A window spanning two nights (a worker stopped all day) creates each night's slot.
    two_days = due_jobs(SETTINGS, paris(2026, 5, 4, 4, 0), paris(2026, 5, 6, 4, 0))
    assert sorted(job.slot for job in two_days if job.kind == "audit_purge") == [
        "audit_purge@2026-05-05", "audit_purge@2026-05-06"]
    # Summer time ends on 2026-10-25: 02:00 local is still one slot that day.
    assert len(due_jobs(SETTINGS.model_copy(update={"sync_folders": []}), paris(2026, 10, 24, 12, 0),
                        paris(2026, 10, 25, 12, 0))) == 1


def test_the_scheduler_ticks_over_the_window_since_its_last_tick() -> None:
    now = [datetime(2026, 5, 4, 1, 0, tzinfo=UTC)]  # 03:00 in Paris
    created: list[str] = []
    scheduler = Scheduler(SETTINGS.model_copy(update={"sync_folders": []}),
                          lambda job: created.append(job.slot) or len(created), lambda: now[0])
    assert scheduler.tick() == []
    now[0] += timedelta(minutes=45)
    assert scheduler.tick() == [1] and created == ["audit_purge@2026-05-04"]
    now[0] += timedelta(minutes=45)
    assert scheduler.tick() == []


def test_bad_schedule_settings_are_refused_with_their_name() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        JobsSettings(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="heartbeat_s"):
        JobsSettings(lease_s=10, heartbeat_s=6)


def test_workers_create_and_run_the_scheduled_jobs_once_at_their_time(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "nightly", 2)
    soon = (datetime.now(PARIS) + timedelta(seconds=30)).time().replace(microsecond=0)
    env = job_environment(tmp_path, audit_purge_at=soon.isoformat(), sync_at=soon.isoformat(),
                          sync_folders=[{"path": str(folder), "collection": "nuit", "public": True}])
    runtime = Runtime(load_settings(environ=env))
    with running_worker(env, tmp_path / "first.log"), running_worker(env, tmp_path / "second.log"):
        jobs = wait_for(lambda: [j for j in runtime.jobs.recent(10) if j.finished] if len(
            [j for j in runtime.jobs.recent(10) if j.finished]) >= 2 else None, timeout_s=180,
            what="the scheduled jobs to run")
    assert sorted((job.kind, job.status) for job in jobs) == [("audit_purge", "succeeded"), ("ingest", "succeeded")]
    assert all(job.requested_by == "scheduler" and job.schedule_slot for job in jobs)
    assert len(runtime.jobs.recent(10)) == 2  # two workers ticked: each slot made one job
    assert len(runtime.knowledge.catalog.documents("nuit")) == 2
    purge = next(job for job in jobs if job.kind == "audit_purge")
    assert purge.result["audit_events_deleted"] == 0
    runtime.close()
