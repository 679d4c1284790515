"""What each kind of job does. Handlers know nothing of queues or leases: they get a context to report to."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.jobs.kinds import AUDIT_PURGE, INGEST, AuditPurgePayload, IngestPayload, JobContext, JobKind, Outcome
from assistant.jobs.models import CANCELLED, FAILED, SUCCEEDED, now_utc, utc
from assistant.jobs.views import FileResult

if TYPE_CHECKING:
    from assistant.runtime import Runtime
    from ingestion.pipeline import FileOutcome


def run_ingestion(runtime: Runtime, context: JobContext, payload: IngestPayload) -> Outcome:
    from assistant.collection_access import AccessChoiceError
    from ingestion.pipeline import IngestionHooks

    def file_done(outcome: FileOutcome) -> None:
        status, chunks = outcome.status, outcome.chunks
        if status == "unchanged":
            status, chunks = _ingested_by_an_earlier_run(runtime, context, payload.collection, outcome)
        context.file_done(FileResult(str(outcome.path), status, outcome.reason, chunks, tuple(outcome.warnings)))

    hooks = IngestionHooks(on_start=context.start_files, on_begin=lambda path: context.begin_file(str(path)),
                           on_file=file_done, should_stop=context.should_stop)
    started = time.perf_counter()
    try:
        report = runtime.ingestor().ingest([Path(p) for p in payload.paths], payload.collection, payload.groups,
                                           payload.sync, public=payload.public, hooks=hooks, only=payload.only)
    except AccessChoiceError as exc:
        return Outcome(FAILED, error=str(exc))
    result = {"removed": report.removed, "chunks_added": report.chunks_added, "pages": report.pages,
              "seconds": round(time.perf_counter() - started, 1), "aborted": report.aborted,
              "stage_seconds": {stage: round(value, 2) for stage, value in report.seconds.items()},
              "stopped": context.stop_reason() if report.stopped else None}
    if report.stopped and context.stop_reason() == "interrupted":
        return Outcome(FAILED, result, interrupted=True)
    if report.stopped:
        return Outcome(CANCELLED, result, error="annulée : les fichiers déjà indexés sont conservés")
    if report.aborted:
        return Outcome(FAILED, result, error=report.aborted)
    return Outcome(SUCCEEDED, result)


def _ingested_by_an_earlier_run(runtime: Runtime, context: JobContext, collection: str,
                                outcome: FileOutcome) -> tuple[str, int]:
    """A file this job committed before its worker died (or stopped) reads as unchanged now; it counts as
    ingested by the job. The worker may have died between the commit and its progress report."""
    from assistant.catalog import document_id_for

    row = runtime.knowledge.catalog.document(document_id_for(collection, str(outcome.path)))
    ingested_at = utc(row.ingested_at) if row is not None else None
    if row is None or ingested_at is None or ingested_at < context.first_started_at:
        return outcome.status, outcome.chunks
    return "ingested", row.chunk_count


def run_audit_purge(runtime: Runtime, context: JobContext, payload: AuditPurgePayload) -> Outcome:
    from assistant.audit import AuditLog
    from assistant.jobs.store import JobStore

    deleted = AuditLog(runtime.database, runtime.settings.audit).purge_older_than()
    keep = timedelta(days=runtime.settings.jobs.keep_days)
    jobs_deleted = JobStore(runtime.database).purge_finished(now_utc() - keep)
    return Outcome(SUCCEEDED, {"audit_events_deleted": deleted, "jobs_deleted": jobs_deleted,
                               "retention_days": runtime.settings.audit.retention_days})


def job_kinds() -> dict[str, JobKind]:
    from assistant.analysis.loading_job import DATASET_LOAD, DatasetLoadPayload, run_dataset_load

    return {INGEST: JobKind(IngestPayload, run_ingestion), AUDIT_PURGE: JobKind(AuditPurgePayload, run_audit_purge),
            DATASET_LOAD: JobKind(DatasetLoadPayload, run_dataset_load)}
