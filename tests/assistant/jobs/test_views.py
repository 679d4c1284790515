"""What the admin page will show of a job: its ETA from the pace of the files done so far."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from assistant.jobs.views import JobStatus

STARTED = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
JOB = JobStatus(id=1, kind="ingest", status="running", payload={}, requested_by="admin", created_at=STARTED,
                started_at=STARTED, finished_at=None, attempts=1, worker="w", cancel_requested=False,
                files_total=100, files_done=25, current_file="/srv/docs/a.pdf", error=None)


def test_the_eta_follows_the_pace_of_the_files_done() -> None:
    assert JOB.eta_seconds(STARTED + timedelta(minutes=10)) == 30 * 60
    assert replace(JOB, files_done=0).eta_seconds(STARTED + timedelta(minutes=10)) is None
    assert replace(JOB, status="succeeded").eta_seconds(STARTED + timedelta(minutes=10)) is None
    assert replace(JOB, files_total=None).eta_seconds(STARTED) is None


def test_as_dict_is_plain_json() -> None:
    data = JOB.as_dict()
    assert data["started_at"] == "2026-05-04T02:00:00+00:00" and data["finished_at"] is None
    assert data["files_done"] == 25 and data["current_file"] == "/srv/docs/a.pdf"
