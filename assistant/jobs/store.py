"""State changes of jobs in the relational store. Each is one short transaction, safe from any process.

A worker owns a running job through its lease: `claim` takes a queued job, `renew` extends the leases it
holds, and a job whose lease ran out (its worker was killed) goes back to the queue in `requeue_expired`.
Progress and outcomes are written only by the lease holder (`worker=` is part of every such update).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from assistant.database import Database
from assistant.jobs.models import (
    CANCELLED,
    FAILED,
    FINISHED,
    QUEUED,
    RUNNING,
    JobFileRow,
    JobRow,
    now_utc,
)
from assistant.jobs.views import FileResult, JobStatus, file_result, job_status


class JobStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create(self, kind: str, payload: dict[str, Any], requested_by: str = "", schedule_slot: str | None = None,
               retry_of: int | None = None) -> int | None:
        """A new queued job; None when `schedule_slot` already has one (another scheduler created it)."""
        row = JobRow(kind=kind, payload=payload, requested_by=requested_by[:200], schedule_slot=schedule_slot,
                     retry_of=retry_of, status=QUEUED)
        try:
            with self._db.session() as session:
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:
            if schedule_slot is None:
                raise
            return None

    def get(self, job_id: int) -> JobStatus | None:
        with self._db.session() as session:
            row = session.get(JobRow, job_id)
            return None if row is None else job_status(row)

    def recent(self, limit: int = 50, kind: str | None = None) -> list[JobStatus]:
        statement = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
        if kind:
            statement = statement.where(JobRow.kind == kind)
        with self._db.session() as session:
            return [job_status(row) for row in session.scalars(statement)]

    def files(self, job_id: int, status: str | None = None) -> list[FileResult]:
        statement = select(JobFileRow).where(JobFileRow.job_id == job_id).order_by(JobFileRow.id)
        if status:
            statement = statement.where(JobFileRow.status == status)
        with self._db.session() as session:
            return [file_result(row) for row in session.scalars(statement)]

    def file_counts(self, job_id: int) -> dict[str, int]:
        statement = (select(JobFileRow.status, func.count()).where(JobFileRow.job_id == job_id)
                     .group_by(JobFileRow.status))
        with self._db.session() as session:
            return {status: int(count) for status, count in session.execute(statement)}

    def claim(self, job_id: int, worker: str, lease_s: float) -> JobStatus | None:
        """Take a queued job for `worker`; None when it is not queued any more (taken, cancelled, done)."""
        now = now_utc()
        with self._db.session() as session:
            taken = session.execute(
                update(JobRow).where(JobRow.id == job_id, JobRow.status == QUEUED).values(
                    status=RUNNING, worker=worker, lease_until=now + timedelta(seconds=lease_s),
                    attempts=JobRow.attempts + 1, started_at=func.coalesce(JobRow.started_at, now)))
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.get(JobRow, job_id)
            assert row is not None
            return job_status(row)

    def renew(self, worker: str, job_ids: Sequence[int], lease_s: float) -> set[int]:
        """Extend the leases `worker` holds; returns the ids it still holds (another may have taken one over)."""
        if not job_ids:
            return set()
        until = now_utc() + timedelta(seconds=lease_s)
        with self._db.session() as session:
            session.execute(update(JobRow).where(JobRow.id.in_(job_ids), JobRow.worker == worker,
                                                 JobRow.status == RUNNING).values(lease_until=until))
            held = session.scalars(select(JobRow.id).where(JobRow.id.in_(job_ids), JobRow.worker == worker,
                                                           JobRow.status == RUNNING))
            return set(held)

    def start_files(self, job_id: int, worker: str, total: int) -> None:
        self._update_held(job_id, worker, files_total=total, files_done=0, current_file=None)

    def begin_file(self, job_id: int, worker: str, path: str) -> None:
        self._update_held(job_id, worker, current_file=path)

    def record_file(self, job_id: int, worker: str, outcome: FileResult) -> None:
        """One file finished. A file this job ingested before its worker died reads as unchanged now: it
        stays "ingested" in the job's outcomes."""
        with self._db.session() as session:
            held = session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.worker == worker,
                                                        JobRow.status == RUNNING)
                                   .values(files_done=JobRow.files_done + 1, current_file=None))
            if held.rowcount != 1:  # type: ignore[attr-defined]
                return
            row = session.scalar(select(JobFileRow).where(JobFileRow.job_id == job_id,
                                                          JobFileRow.path == outcome.path))
            if row is None:
                row = JobFileRow(job_id=job_id, path=outcome.path)
                session.add(row)
            elif row.status == "ingested" and outcome.status == "unchanged":
                return
            row.status, row.reason, row.chunks = outcome.status, outcome.reason, outcome.chunks
            row.warnings, row.at = list(outcome.warnings), now_utc()

    def finish(self, job_id: int, worker: str, status: str, result: dict[str, Any] | None = None,
               error: str | None = None) -> bool:
        assert status in FINISHED
        return self._update_held(job_id, worker, status=status, result=result, error=error,
                                 finished_at=now_utc(), lease_until=None, current_file=None)

    def release(self, job_id: int, worker: str) -> bool:
        """The worker stops (SIGTERM, Ctrl-C) before the job is done: back to the queue, this try not counted."""
        return self._update_held(job_id, worker, status=QUEUED, worker=None, lease_until=None,
                                 queued_at=now_utc(), attempts=JobRow.attempts - 1, current_file=None)

    def request_cancel(self, job_id: int) -> JobStatus | None:
        """A queued job is cancelled at once; a running one is asked to stop (between two files)."""
        now = now_utc()
        with self._db.session() as session:
            session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.status == QUEUED).values(
                status=CANCELLED, cancel_requested=True, finished_at=now, error="annulée avant son démarrage"))
            session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.status == RUNNING)
                            .values(cancel_requested=True))
            row = session.get(JobRow, job_id)
            return None if row is None else job_status(row)

    def cancel_requested(self, job_id: int) -> bool:
        with self._db.session() as session:
            return bool(session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id)))

    def requeue_expired(self, max_attempts: int) -> list[int]:
        """Running jobs whose lease ran out go back to the queue (or fail after max_attempts); returns the
        ids put back in the queue."""
        now = now_utc()
        requeued = []
        with self._db.session() as session:
            expired = session.execute(select(JobRow.id, JobRow.attempts).where(
                JobRow.status == RUNNING, JobRow.lease_until < now)).all()
        for job_id, attempts in expired:
            still_expired = (JobRow.id == job_id, JobRow.status == RUNNING, JobRow.lease_until < now)
            with self._db.session() as session:
                if attempts >= max_attempts:
                    session.execute(update(JobRow).where(*still_expired).values(
                        status=FAILED, finished_at=now, lease_until=None, current_file=None,
                        error=f"le processus qui exécutait la tâche s'est arrêté {attempts} fois sans la "
                              f"terminer (jobs.max_attempts = {max_attempts})"))
                    continue
                moved = session.execute(update(JobRow).where(*still_expired).values(
                    status=QUEUED, worker=None, lease_until=None, queued_at=now, current_file=None))
                if moved.rowcount == 1:  # type: ignore[attr-defined]
                    requeued.append(job_id)
        return requeued

    def queued_since(self, before: datetime) -> list[int]:
        with self._db.session() as session:
            return list(session.scalars(select(JobRow.id).where(JobRow.status == QUEUED, JobRow.queued_at < before)
                                        .order_by(JobRow.id)))

    def purge_finished(self, before: datetime) -> int:
        with self._db.session() as session:
            old = select(JobRow.id).where(JobRow.status.in_(FINISHED), JobRow.finished_at < before)
            session.execute(delete(JobFileRow).where(JobFileRow.job_id.in_(old)))
            result = session.execute(delete(JobRow).where(JobRow.status.in_(FINISHED), JobRow.finished_at < before))
            return int(getattr(result, "rowcount", 0) or 0)

    def _update_held(self, job_id: int, holder: str, **values: Any) -> bool:
        with self._db.session() as session:
            result = session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.worker == holder,
                                                          JobRow.status == RUNNING).values(**values))
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]
