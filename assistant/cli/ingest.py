"""`assistant ingest`: index files and folders into a collection, with progress and a summary.

By default the ingestion is a background job (`assistant worker` runs it) that this command follows;
`--inline` runs it in this process, as before there were workers.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from assistant.cli.app import app, err_console, fail, runtime_or_exit
from assistant.cli.following import follow_job
from assistant.collection_access import AccessChoiceError, groups_for_ingestion, parse_groups
from assistant.jobs.views import JobStatus
from assistant.runtime import Runtime
from ingestion.pipeline import FileOutcome, IngestionReport


def _print_summary(console: Console, report: IngestionReport, seconds: float) -> None:
    table = Table(title="Ingestion", show_header=False)
    table.add_row("files ingested", str(report.count("ingested")))
    table.add_row("skipped (unchanged)", str(report.count("unchanged")))
    table.add_row("failed", str(report.count("failed")))
    table.add_row("removed (--sync)", str(len(report.removed)))
    table.add_row("chunks added", str(report.chunks_added))
    table.add_row("duration", f"{seconds:.1f} s")
    console.print(table)
    for outcome in report.outcomes:
        for note in outcome.warnings:
            console.print(f"[yellow]WARNING[/] {escape(str(outcome.path))}: {escape(note)}", highlight=False)
    for outcome in report.failures:
        console.print(f"[red]FAILED[/] {outcome.path}: {outcome.reason}", highlight=False)
    if report.aborted:
        console.print(f"[bold red]ABORTED[/] {report.aborted}", highlight=False)


def _progress(interactive: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.2f} files/s"), TimeRemainingColumn(),
        console=err_console, disable=not interactive,
    )


def _print_file(outcome: FileOutcome) -> None:
    """Non-interactive progress: one line per file that was not skipped."""
    if outcome.status != "unchanged":
        notes = f" ({len(outcome.warnings)} warnings, listed at the end)" if outcome.warnings else ""
        err_console.print(f"{outcome.status}: {outcome.path} {outcome.reason}".rstrip() + notes,
                          highlight=False, markup=False)


def _ingest_inline(runtime: Runtime, paths: list[Path], collection: str, groups: list[str] | None,
                   public: bool, sync: bool) -> int:
    ingestor = runtime.ingestor()
    started = time.perf_counter()
    interactive = sys.stderr.isatty()
    with _progress(interactive) as progress:
        task = progress.add_task("ingesting", total=None, rate=0.0)

        def on_file(outcome: FileOutcome) -> None:
            done = progress.tasks[task].completed + 1
            progress.update(task, completed=done, rate=done / max(time.perf_counter() - started, 1e-6))
            if not interactive:
                _print_file(outcome)

        def on_start(total: int) -> None:
            progress.update(task, total=total)

        report = ingestor.ingest(paths, collection, groups, sync, on_file, on_start, public=public)
    _print_summary(Console(), report, time.perf_counter() - started)
    return 1 if report.failures or report.aborted else 0


def _job_report(runtime: Runtime, job: JobStatus) -> IngestionReport:
    outcomes = [FileOutcome(Path(item.path), item.status, item.reason, item.chunks, warnings=list(item.warnings))
                for item in runtime.jobs.files(job.id)]
    return IngestionReport(outcomes=outcomes, removed=list(job.result.get("removed") or []),
                           aborted=job.result.get("aborted"))


def _follow(runtime: Runtime, job: JobStatus) -> JobStatus:
    interactive = sys.stderr.isatty()
    printed = 0
    with _progress(interactive) as progress:
        task = progress.add_task(f"job {job.id}", total=None, rate=0.0)

        def on_change(current: JobStatus) -> None:
            nonlocal printed
            elapsed = (time.time() - current.started_at.timestamp()) if current.started_at else 0.0
            name = Path(current.current_file).name if current.current_file else current.status
            progress.update(task, total=current.files_total, completed=current.files_done,
                            rate=current.files_done / max(elapsed, 1e-6), description=f"job {current.id} {name}"[:60])
            if not interactive:
                files = runtime.jobs.files(current.id)
                for item in files[printed:]:
                    _print_file(FileOutcome(Path(item.path), item.status, item.reason, warnings=list(item.warnings)))
                printed = len(files)

        return follow_job(runtime, job, err_console, "--inline runs it here", on_change)


def _ingest_as_job(runtime: Runtime, paths: list[Path], collection: str, groups: list[str] | None,
                   public: bool, sync: bool) -> int:
    from assistant.cli.admin import operator_name

    job = runtime.jobs.enqueue_ingestion(paths, collection, groups=groups, public=public, sync=sync,
                                         requested_by=operator_name())
    job = _follow(runtime, job)
    report = _job_report(runtime, job)
    _print_summary(Console(), report, float(job.result.get("seconds") or 0.0))
    if job.status == "cancelled":
        Console().print(f"[bold yellow]CANCELLED[/] job {job.id} stopped between two files: the "
                        f"{report.count('ingested')} files ingested before are kept", highlight=False)
    elif job.status == "failed" and job.error and job.error != report.aborted:
        Console().print(f"[bold red]FAILED[/] job {job.id}: {escape(job.error)}", highlight=False)
    return 0 if job.status == "succeeded" and not report.failures and not report.aborted else 1


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    collection: Annotated[str, typer.Option("--collection", help="Collection to ingest into.")],
    groups: Annotated[
        str | None, typer.Option("--groups", help="Comma-separated groups that may read a new collection.")
    ] = None,
    public: Annotated[
        bool, typer.Option("--public", help="A new collection is readable by every authenticated agent.")
    ] = False,
    sync: Annotated[bool, typer.Option("--sync", help="Remove documents whose files left these folders.")] = False,
    inline: Annotated[bool, typer.Option(
        "--inline", help="Run the ingestion in this process instead of queuing a job for `assistant worker`.")] = False,
) -> None:
    """Ingest documents (PDF, office files, e-mails, images, text...) into a collection.

    Queued as a background job that `assistant worker` runs, followed here (progress, summary, exit code);
    --inline runs it in this process. A new collection needs --groups or --public (or
    ingestion.default_groups); an existing one keeps its readers (`assistant collections set-groups`)."""
    runtime = runtime_or_exit()
    settings = runtime.settings.ingestion
    try:  # checked before the models load; the ingestor checks again
        group_list = parse_groups(groups)
        groups_for_ingestion(runtime.knowledge.catalog.collection(collection), collection, group_list, public,
                             settings.default_groups)
    except AccessChoiceError as exc:
        raise fail(str(exc)) from exc
    run = _ingest_inline if inline else _ingest_as_job
    code = run(runtime, paths, collection, group_list, public, sync)
    runtime.close()
    if code:
        raise typer.Exit(code)
