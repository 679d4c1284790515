"""`assistant jobs list | show | cancel | retry`: the background jobs, from any machine sharing the store."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.cli.app import app, fail, runtime_or_exit
from assistant.jobs.service import NothingToRetry, UnknownJob
from assistant.jobs.views import JobStatus

jobs_app = typer.Typer(help="Background jobs: list, follow, cancel, retry failed files.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


def describe(job: JobStatus) -> str:
    progress = f"{job.files_done}/{job.files_total}" if job.files_total is not None else "-"
    return f"job {job.id} ({job.kind}) {job.status}, files {progress}"


@jobs_app.command("list")
def list_jobs(
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Jobs to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Recent jobs, newest first."""
    runtime = runtime_or_exit()
    jobs = runtime.jobs.recent(limit)
    if as_json:
        for job in jobs:
            typer.echo(json.dumps(job.as_dict(), ensure_ascii=False))
        return
    table = Table("id", "kind", "status", "files", "created (UTC)", "by", "error")
    for job in jobs:
        files = f"{job.files_done}/{job.files_total}" if job.files_total is not None else ""
        table.add_row(str(job.id), job.kind, job.status, files, job.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                      job.requested_by, (job.error or "")[:80])
    Console().print(table)


@jobs_app.command("show")
def show(job_id: Annotated[int, typer.Argument(help="Job number.")]) -> None:
    """A job's state, progress and failed files (JSON)."""
    runtime = runtime_or_exit()
    job = runtime.jobs.status(job_id)
    if job is None:
        raise fail(f"no job {job_id}", code=1)
    failures = [{"path": item.path, "reason": item.reason} for item in runtime.jobs.files(job_id, "failed")]
    typer.echo(json.dumps({**job.as_dict(), "file_counts": runtime.jobs.file_counts(job_id),
                           "failures": failures}, ensure_ascii=False, indent=2))


@jobs_app.command("cancel")
def cancel(job_id: Annotated[int, typer.Argument(help="Job number.")]) -> None:
    """Cancel a job: a running ingestion stops between two files and keeps what it committed."""
    runtime = runtime_or_exit()
    try:
        job = runtime.jobs.cancel(job_id)
    except UnknownJob as exc:
        raise fail(str(exc), code=1) from exc
    typer.echo(f"{describe(job)}: cancel requested" if not job.finished else describe(job))


@jobs_app.command("retry")
def retry(job_id: Annotated[int, typer.Argument(help="Job number of a finished ingestion.")]) -> None:
    """Queue a new ingestion of the files that failed in a job."""
    from assistant.cli.admin import operator_name

    runtime = runtime_or_exit()
    try:
        job = runtime.jobs.retry_failed(job_id, requested_by=operator_name())
    except (UnknownJob, NothingToRetry) as exc:
        raise fail(str(exc), code=1) from exc
    typer.echo(f"{describe(job)}: queued (retry of job {job_id})")
