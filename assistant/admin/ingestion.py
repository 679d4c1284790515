"""What the admin page does with the corpus: collections at a glance, ingestions of allowed folders started,
followed (progress, ETA, failures and their reasons), cancelled and retried. No HTTP here.

    admin = IngestionAdmin.for_runtime(runtime)
    job = admin.start("/srv/imports/urbanisme", "urbanisme", groups=["urbanisme"], requested_by="admin")
    admin.status(job["id"])   # {"files_done": 3, "files_total": 10, "eta_seconds": 12.5, "failures": [...]}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from assistant.admin.folders import allowed_folder, allowed_roots
from assistant.catalog import Catalog, DocumentRow
from assistant.collection_access import AccessChoiceError, clean_groups
from assistant.database import Database
from assistant.jobs.kinds import INGEST
from assistant.jobs.service import JobService, UnknownJob
from assistant.jobs.views import JobStatus

if TYPE_CHECKING:
    from assistant.runtime import Runtime

MAX_FAILURES_SHOWN = 500


class IngestionAdmin:
    def __init__(self, database: Database, catalog: Catalog, jobs: Callable[[], JobService],
                 roots: Sequence[Path]) -> None:
        self._db = database
        self._catalog = catalog
        self._jobs = jobs  # the queue is opened at the first admin action, not when the service starts
        self._roots = list(roots)

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> IngestionAdmin:
        settings = runtime.settings
        return cls(runtime.database, runtime.knowledge.catalog, lambda: runtime.jobs,
                   [settings.resolve(root) for root in settings.admin.ingest_roots])

    def roots(self) -> list[str]:
        return [str(root) for root in allowed_roots(self._roots)]

    def collections(self) -> list[dict[str, Any]]:
        """Each collection: its readers, document count, last document ingested and last ingestion job."""
        stats = (select(DocumentRow.collection, func.count(DocumentRow.id), func.max(DocumentRow.ingested_at))
                 .group_by(DocumentRow.collection))
        with self._db.session() as session:
            counts = {name: (int(count), last) for name, count, last in session.execute(stats)}
        last_jobs: dict[str, JobStatus] = {}
        for recent in self._jobs().recent(500, INGEST):
            last_jobs.setdefault(str(recent.payload.get("collection")), recent)
        rows = []
        for row in self._catalog.collections():
            count, last = counts.get(row.name, (0, None))
            job = last_jobs.get(row.name)
            rows.append({"name": row.name, "groups": row.groups, "public": not row.groups, "documents": count,
                         "last_ingested_at": _stamp(last),
                         "last_job": None if job is None else {"id": job.id, "status": job.status,
                                                               "finished_at": _stamp(job.finished_at)}})
        return rows

    def start(self, folder: str, collection: str, groups: Sequence[str] | None = None, public: bool = False,
              sync: bool = False, requested_by: str = "") -> dict[str, Any]:
        """Queue the ingestion of an allowed folder; FolderRefused or AccessChoiceError (French) otherwise."""
        path = allowed_folder(folder, self._roots)
        name = collection.strip()
        wanted = clean_groups(groups or ()) or None
        try:
            job = self._jobs().enqueue_ingestion([path], name, groups=wanted, public=public, sync=sync,
                                                 requested_by=requested_by)
        except AccessChoiceError as exc:
            raise AccessChoiceError(self._french_access_error(name, wanted, public)) from exc
        return self.describe(job)

    def status(self, job_id: int) -> dict[str, Any]:
        """UnknownJob when there is none."""
        return self.describe(self._job(job_id))

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        return [_summary(job) for job in self._jobs().recent(limit, INGEST)]

    def cancel(self, job_id: int) -> dict[str, Any]:
        return self.describe(self._jobs().cancel(job_id))

    def retry_failed(self, job_id: int, requested_by: str = "") -> dict[str, Any]:
        """A new job for the failed files of `job_id`; NothingToRetry (French) when there is none."""
        return self.describe(self._jobs().retry_failed(job_id, requested_by))

    def describe(self, job: JobStatus, now: datetime | None = None) -> dict[str, Any]:
        jobs = self._jobs()
        failures = jobs.files(job.id, "failed")
        eta = job.eta_seconds(now or datetime.now(UTC))
        return {**_summary(job), "current_file": job.current_file, "error": job.error,
                "eta_seconds": None if eta is None else round(eta, 1),
                "counts": jobs.file_counts(job.id), "cancel_requested": job.cancel_requested,
                "failures": [{"path": item.path, "reason": item.reason} for item in failures[:MAX_FAILURES_SHOWN]],
                "failures_total": len(failures), "retry_of": job.retry_of}

    def _job(self, job_id: int) -> JobStatus:
        job = self._jobs().status(job_id)
        if job is None:
            raise UnknownJob(job_id)
        return job

    def _french_access_error(self, name: str, groups: Sequence[str] | None, public: bool) -> str:
        existing = self._catalog.collection(name)
        if existing is None:
            return (f"la collection « {name} » n'existe pas encore : indiquez les groupes qui pourront la lire, "
                    "ou cochez « lisible par tous les agents »")
        if public and groups:
            return "choisissez des groupes ou « lisible par tous les agents », pas les deux"
        readers = ", ".join(existing.groups) if existing.groups else "tous les agents"
        return (f"la collection « {name} » est lisible par : {readers} ; une ingestion ne change pas ses "
                "lecteurs (laissez les groupes vides pour les garder)")


def _summary(job: JobStatus) -> dict[str, Any]:
    payload = job.payload
    return {"id": job.id, "status": job.status, "finished": job.finished,
            "folder": ", ".join(payload.get("paths", [])),
            "collection": payload.get("collection"), "only": len(payload.get("only") or []),
            "requested_by": job.requested_by, "created_at": _stamp(job.created_at),
            "started_at": _stamp(job.started_at), "finished_at": _stamp(job.finished_at),
            "files_total": job.files_total, "files_done": job.files_done}


def _stamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
