"""`assistant ingest`: index files and folders into a collection, with progress and a summary."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from assistant.cli.app import app, err_console, runtime_or_exit
from ingestion.pipeline import FileOutcome, IngestionReport


def _split_groups(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [group.strip().strip("/") for group in value.split(",") if group.strip().strip("/")]


def _print_summary(console: Console, report: IngestionReport, seconds: float) -> None:
    table = Table(title="Ingestion", show_header=False)
    table.add_row("files ingested", str(report.count("ingested")))
    table.add_row("skipped (unchanged)", str(report.count("unchanged")))
    table.add_row("failed", str(report.count("failed")))
    table.add_row("removed (--sync)", str(len(report.removed)))
    table.add_row("chunks added", str(report.chunks_added))
    table.add_row("duration", f"{seconds:.1f} s")
    console.print(table)
    for outcome in report.failures:
        console.print(f"[red]FAILED[/] {outcome.path}: {outcome.reason}", highlight=False)
    if report.aborted:
        console.print(f"[bold red]ABORTED[/] {report.aborted}", highlight=False)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    collection: Annotated[str, typer.Option("--collection", help="Collection to ingest into.")],
    groups: Annotated[
        str | None, typer.Option("--groups", help="Comma-separated groups that may read the collection.")
    ] = None,
    sync: Annotated[bool, typer.Option("--sync", help="Remove documents whose files left these folders.")] = False,
) -> None:
    """Ingest documents (PDF, office files, e-mails, images, text...) into a collection."""
    runtime = runtime_or_exit()
    group_list = _split_groups(groups)
    if group_list is None and runtime.knowledge.catalog.collection(collection) is None:
        group_list = list(runtime.settings.ingestion.default_groups)
        if not group_list:
            err_console.print(f"note: collection '{collection}' has no groups: every agent may read it")
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
                err_console.print(f"{outcome.status}: {outcome.path} {outcome.reason}".rstrip(), highlight=False)

        def on_start(total: int) -> None:
            progress.update(task, total=total)

        report = ingestor.ingest(paths, collection, group_list, sync, on_file, on_start)
    _print_summary(Console(), report, time.perf_counter() - started)
    runtime.close()
    if report.failures or report.aborted:
        raise typer.Exit(1)
