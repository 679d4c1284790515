"""`assistant ingest`: index files and folders into a collection, with progress and a summary."""

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
from assistant.collection_access import AccessChoiceError, groups_for_ingestion, parse_groups
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
) -> None:
    """Ingest documents (PDF, office files, e-mails, images, text...) into a collection.

    A new collection needs --groups or --public (or ingestion.default_groups); an existing one keeps its
    readers (change them with `assistant collections set-groups`)."""
    runtime = runtime_or_exit()
    settings = runtime.settings.ingestion
    try:  # checked before the models load; the ingestor checks again
        group_list = parse_groups(groups)
        groups_for_ingestion(runtime.knowledge.catalog.collection(collection), collection, group_list, public,
                             settings.default_groups)
    except AccessChoiceError as exc:
        raise fail(str(exc)) from exc
    ingestor = runtime.ingestor()
    started = time.perf_counter()
    interactive = sys.stderr.isatty()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.2f} files/s"), TimeRemainingColumn(),
        console=err_console, disable=not interactive,
    ) as progress:
        task = progress.add_task("ingesting", total=None, rate=0.0)

        def on_file(outcome: FileOutcome) -> None:
            done = progress.tasks[task].completed + 1
            progress.update(task, completed=done, rate=done / max(time.perf_counter() - started, 1e-6))
            if not interactive and outcome.status != "unchanged":
                notes = f" ({len(outcome.warnings)} warnings, listed at the end)" if outcome.warnings else ""
                err_console.print(f"{outcome.status}: {outcome.path} {outcome.reason}".rstrip() + notes,
                                  highlight=False, markup=False)

        def on_start(total: int) -> None:
            progress.update(task, total=total)

        report = ingestor.ingest(paths, collection, group_list, sync, on_file, on_start, public=public)
    _print_summary(Console(), report, time.perf_counter() - started)
    runtime.close()
    if report.failures or report.aborted:
        raise typer.Exit(1)
