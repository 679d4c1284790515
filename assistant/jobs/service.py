"""The job service: what the CLI and (later) the admin page do with background jobs. No HTTP here.

    service = runtime.jobs
    job = service.enqueue_ingestion(["/srv/docs/urbanisme"], "urbanisme", groups=["urbanisme"], sync=True,
                                    requested_by="admin")
    service.status(job.id)            # JobStatus: files_done / files_total, current_file, started_at...
    service.files(job.id, "failed")   # [FileResult(path, status, reason, ...)]
    service.cancel(job.id); service.retry_failed(job.id); service.recent(20)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.catalog import Catalog
from assistant.collection_access import groups_for_ingestion
from assistant.jobs.kinds import INGEST, JobKind, parse_payload
from assistant.jobs.store import JobStore
from assistant.jobs.transport import JobTransport
from assistant.jobs.views import FileResult, JobStatus


class UnknownJob(LookupError):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"aucune tâche n° {job_id}")


class NothingToRetry(ValueError):
    """The job has no failed file to ingest again (or is not an ingestion, or has not finished)."""


class JobService:
    def __init__(self, store: JobStore, transport: JobTransport, kinds: dict[str, JobKind], catalog: Catalog,
                 default_groups: Sequence[str] = ()) -> None:
        self._store = store
        self._transport = transport
        self._kinds = kinds
        self._catalog = catalog
        self._default_groups = list(default_groups)

    def enqueue(self, kind: str, payload: dict[str, Any], requested_by: str = "",
                retry_of: int | None = None) -> JobStatus:
        """Queue a job of any kind; InvalidJob (French message) for an unknown kind or a bad payload."""
        _, parsed = parse_payload(self._kinds, kind, payload)
        job_id = self._store.create(kind, parsed.model_dump(), requested_by, retry_of=retry_of)
        assert job_id is not None
        self._transport.push(job_id)
        return self._get(job_id)

    def enqueue_ingestion(self, paths: Sequence[str | Path], collection: str, *, groups: Sequence[str] | None = None,
                          public: bool = False, sync: bool = False, requested_by: str = "") -> JobStatus:
        """Queue the ingestion of files or folders (made absolute). AccessChoiceError at once when a new
        collection has no readers (--groups/--public) or the choice would change an existing one's."""
        groups_for_ingestion(self._catalog.collection(collection), collection, groups, public, self._default_groups)
        payload = {"paths": [str(Path(path).expanduser().absolute()) for path in paths], "collection": collection,
                   "groups": list(groups) if groups is not None else None, "public": public, "sync": sync}
        return self.enqueue(INGEST, payload, requested_by)

    def status(self, job_id: int) -> JobStatus | None:
        return self._store.get(job_id)

    def files(self, job_id: int, status: str | None = None) -> list[FileResult]:
        """Per-file outcomes of an ingestion job, in the order they finished ("failed": with their reason)."""
        return self._store.files(job_id, status)

    def file_counts(self, job_id: int) -> dict[str, int]:
        return self._store.file_counts(job_id)

    def recent(self, limit: int = 50, kind: str | None = None) -> list[JobStatus]:
        """Newest first."""
        return self._store.recent(limit, kind)

    def cancel(self, job_id: int) -> JobStatus:
        """A queued job is cancelled at once; a running one stops between two files and keeps what it
        committed. Cancelling a finished job changes nothing."""
        job = self._store.request_cancel(job_id)
        if job is None:
            raise UnknownJob(job_id)
        return job

    def retry_failed(self, job_id: int, requested_by: str = "") -> JobStatus:
        """A new ingestion job for the files that failed in `job_id` (same folders, collection and readers)."""
        job = self._get(job_id)
        if job.kind != INGEST or not job.finished:
            raise NothingToRetry(f"la tâche n° {job_id} n'est pas une ingestion terminée")
        failed = [item.path for item in self._store.files(job_id, "failed")]
        if not failed:
            raise NothingToRetry(f"la tâche n° {job_id} n'a aucun fichier en échec")
        payload = {**job.payload, "only": failed, "sync": False}
        return self.enqueue(INGEST, payload, requested_by, retry_of=job_id)

    def wait(self, job_id: int, on_change: Callable[[JobStatus], None] | None = None,
             poll_s: float = 0.5, on_poll: Callable[[JobStatus], None] | None = None) -> JobStatus:
        """Follow a job until it finishes, calling `on_change` whenever its progress moved and `on_poll` at
        every look, moved or not (a job no worker takes never moves)."""
        seen: tuple[Any, ...] | None = None
        while True:
            job = self._get(job_id)
            state = (job.status, job.files_total, job.files_done, job.current_file, job.attempts)
            if state != seen and on_change is not None:
                on_change(job)
            if on_poll is not None:
                on_poll(job)
            seen = state
            if job.finished:
                return job
            time.sleep(poll_s)

    def _get(self, job_id: int) -> JobStatus:
        job = self._store.get(job_id)
        if job is None:
            raise UnknownJob(job_id)
        return job
