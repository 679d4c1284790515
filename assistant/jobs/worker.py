"""`assistant worker`: runs queued jobs, renews their leases, takes over the jobs of dead workers.

Threads of one worker process: `concurrency` consumers (each takes a job id from the queue, claims the job
in the jobs table, runs it) and one housekeeper (every heartbeat_s: renew leases, put the jobs whose lease
ran out back in the queue, re-send lost messages, create the scheduled jobs that are due).

Nothing is indexed twice when a worker is killed mid-ingestion: every file is committed on its own
(`KnowledgeBase.store_document`), and the worker that takes the job over runs it again from the start,
finding the files committed before as unchanged (same content hash) and the half-done one not committed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from assistant.jobs.kinds import InvalidJob, JobKind, Outcome, parse_payload
from assistant.jobs.models import FAILED, now_utc
from assistant.jobs.schedule import ScheduledJob, Scheduler
from assistant.jobs.settings import JobsSettings
from assistant.jobs.store import JobStore
from assistant.jobs.transport import JobTransport
from assistant.jobs.views import FileResult, JobStatus

if TYPE_CHECKING:
    from assistant.runtime import Runtime

log = logging.getLogger("assistant.jobs")
_CANCEL_CHECK_S = 1.0


class RunningJob:
    """The context a handler gets (assistant.jobs.kinds.JobContext), for one claimed job."""

    def __init__(self, job: JobStatus, store: JobStore, worker: str, stopping: threading.Event) -> None:
        self.job_id = job.id
        self.first_started_at = job.started_at or now_utc()
        self._store = store
        self._worker = worker
        self._stopping = stopping
        self.lost = threading.Event()  # another worker took the job over (this one stalled past its lease)
        self._reason: str | None = None
        self._checked = 0.0

    def should_stop(self) -> bool:
        if self._stopping.is_set() or self.lost.is_set():
            self._reason = "interrupted"
        elif time.monotonic() - self._checked >= _CANCEL_CHECK_S:
            self._checked = time.monotonic()
            if self._store.cancel_requested(self.job_id):
                self._reason = "cancelled"
        return self._reason is not None

    def stop_reason(self) -> str | None:
        return self._reason

    def start_files(self, total: int) -> None:
        self._store.start_files(self.job_id, self._worker, total)

    def begin_file(self, path: str) -> None:
        self._store.begin_file(self.job_id, self._worker, path)

    def file_done(self, outcome: FileResult) -> None:
        self._store.record_file(self.job_id, self._worker, outcome)


class Worker:
    def __init__(self, runtime: Runtime, store: JobStore, transport: JobTransport, kinds: dict[str, JobKind],
                 clock: Callable[[], datetime] = now_utc) -> None:
        self.runtime = runtime
        self.settings: JobsSettings = runtime.settings.jobs
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:120]
        self._store = store
        self._transport = transport
        self._kinds = kinds
        self._stopping = threading.Event()
        self._running: dict[int, RunningJob] = {}
        self._lock = threading.Lock()
        self._scheduler = Scheduler(self.settings, self._create_scheduled, clock, runtime.settings.resolve)

    def stop(self) -> None:
        """Running jobs stop at their next safe point (between two files) and go back to the queue."""
        self._stopping.set()

    def run(self, on_ready: Callable[[], None] | None = None) -> None:
        self.housekeep()
        threads = [threading.Thread(target=self._consume, name=f"job-{i}", daemon=True)
                   for i in range(self.settings.worker_concurrency)]
        threads.append(threading.Thread(target=self._housekeeper, name="job-housekeeper", daemon=True))
        for thread in threads:
            thread.start()
        if on_ready is not None:
            on_ready()
        self._stopping.wait()
        for thread in threads:
            thread.join()

    def housekeep(self) -> None:
        """Renew our leases, take over expired ones, re-send lost messages, create the due scheduled jobs."""
        with self._lock:
            running = dict(self._running)
        held = self._store.renew(self.name, list(running), self.settings.lease_s)
        for job_id, job in running.items():
            if job_id not in held:
                log.warning("job %s was taken over by another worker: this one stops it", job_id)
                job.lost.set()
        for job_id in self._store.requeue_expired(self.settings.max_attempts):
            log.warning("job %s: its worker stopped renewing its lease; back in the queue", job_id)
            self._transport.push(job_id)
        self._resend_lost_messages()
        for job_id in self._scheduler.tick():
            self._transport.push(job_id)

    def _resend_lost_messages(self) -> None:
        before = now_utc() - timedelta(seconds=self.settings.lease_s)
        waiting = self._store.queued_since(before)
        if waiting:
            for job_id in set(waiting) - self._transport.pending():
                self._transport.push(job_id)

    def _create_scheduled(self, job: ScheduledJob) -> int | None:
        return self._store.create(job.kind, job.payload, requested_by="scheduler", schedule_slot=job.slot)

    def _housekeeper(self) -> None:
        while not self._stopping.wait(self.settings.heartbeat_s):
            try:
                self.housekeep()
            except Exception:  # a database hiccup must not end the heartbeats: the next round retries
                log.exception("job housekeeping failed; retrying in %ss", self.settings.heartbeat_s)

    def _consume(self) -> None:
        while not self._stopping.is_set():
            try:
                job_id = self._transport.pop()
                if job_id is not None:
                    self.run_job(job_id)
            except Exception:
                log.exception("job consumer error; going on")
                self._stopping.wait(self.settings.poll_s)

    def run_job(self, job_id: int) -> None:
        job = self._store.claim(job_id, self.name, self.settings.lease_s)
        if job is None:
            return  # already taken, cancelled or done: a duplicate message
        context = RunningJob(job, self._store, self.name, self._stopping)
        with self._lock:
            self._running[job_id] = context
        log.info("job %s (%s) started by %s, attempt %s", job_id, job.kind, self.name, job.attempts)
        try:
            outcome = self._execute(job, context)
            if outcome.interrupted:
                if self._store.release(job_id, self.name):
                    self._transport.push(job_id)
            else:
                self._store.finish(job_id, self.name, outcome.status, outcome.result, outcome.error)
            log.info("job %s: %s", job_id, "interrupted" if outcome.interrupted else outcome.status)
        finally:
            with self._lock:
                self._running.pop(job_id, None)

    def _execute(self, job: JobStatus, context: RunningJob) -> Outcome:
        try:
            kind, payload = parse_payload(self._kinds, job.kind, job.payload)
            return kind.handler(self.runtime, context, payload)
        except InvalidJob as exc:
            return Outcome(FAILED, error=str(exc))
        except Exception as exc:
            log.exception("job %s failed", job.id)
            return Outcome(FAILED, error=f"erreur interne ({type(exc).__name__} : {exc})"[:2000])
