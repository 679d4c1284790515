"""What the dataset administration page does with loadings: a file of an allowed folder (and its card) queued
as a `dataset_load` job for `assistant worker`, then followed to its outcome. No HTTP here.

    admin = DatasetLoadingAdmin.for_runtime(runtime)
    job = admin.start("/srv/imports/insee/population.csv", groups=["urbanisme"], requested_by="admin")
    admin.status(job["id"])   # {"status": "succeeded", "files": [{"status": "ingested", "dataset": ..., "rows": ...}]}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.admin.folders import allowed_file
from assistant.analysis.loading_job import DATASET_LOAD
from assistant.collection_access import clean_groups
from assistant.jobs.service import JobService, UnknownJob
from assistant.jobs.views import JobStatus

if TYPE_CHECKING:
    from assistant.runtime import Runtime


class DatasetLoadingAdmin:
    def __init__(self, jobs: Callable[[], JobService], roots: Sequence[Path]) -> None:
        self._jobs = jobs  # the queue is opened at the first admin action, not when the service starts
        self._roots = list(roots)

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> DatasetLoadingAdmin:
        settings = runtime.settings
        return cls(lambda: runtime.jobs, [settings.resolve(root) for root in settings.admin.ingest_roots])

    def start(self, path: str, card_path: str | None = None, name: str | None = None,
              groups: Sequence[str] | None = None, public: bool = False, requested_by: str = "") -> dict[str, Any]:
        """Queue the loading of an allowed file; FolderRefused (French) for a file outside the allowed roots,
        InvalidJob for a payload the job refuses."""
        data = allowed_file(path, self._roots, "fichier de données")
        card = allowed_file(card_path, self._roots, "fiche descriptive") if card_path and card_path.strip() else None
        wanted = clean_groups(groups or ()) or None
        payload = {"paths": [str(data)], "card": str(card) if card else None, "name": name or None,
                   "groups": wanted, "public": public and not wanted}
        return self.describe(self._jobs().enqueue(DATASET_LOAD, payload, requested_by))

    def status(self, job_id: int) -> dict[str, Any]:
        """UnknownJob when there is no dataset loading of that number."""
        job = self._jobs().status(job_id)
        if job is None or job.kind != DATASET_LOAD:
            raise UnknownJob(job_id)
        return self.describe(job)

    def describe(self, job: JobStatus) -> dict[str, Any]:
        files = [{"path": item.path, "status": item.status, "rows": item.chunks, "warnings": list(item.warnings),
                  **({"reason": item.reason} if item.status == "failed" else {"dataset": item.reason})}
                 for item in self._jobs().files(job.id)]
        return {"id": job.id, "status": job.status, "finished": job.finished, "error": job.error,
                "files_total": job.files_total, "files_done": job.files_done, "current_file": job.current_file,
                "requested_by": job.requested_by, "files": files}
