"""`assistant datasets add` without --inline: the loading is queued for `assistant worker` and followed here."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from assistant.analysis.loading_job import DATASET_LOAD
from assistant.cli.following import follow_job
from assistant.runtime import Runtime

err_console = Console(stderr=True)


def load_as_job(runtime: Runtime, payload: dict[str, object], requested_by: str) -> int:
    """Queue, follow and summarise a dataset load; the exit code is 1 when a file failed, like --inline."""
    job = runtime.jobs.enqueue(DATASET_LOAD, payload, requested_by)
    job = follow_job(runtime, job, err_console, "--inline loads here")
    failed = 0
    for item in runtime.jobs.files(job.id):
        name = Path(item.path).name
        if item.status == "failed":
            failed += 1
            typer.echo(f"error: {name}: {item.reason}", err=True)
            continue
        typer.echo(f"{item.status}: {name} ({item.chunks} rows) → {item.reason}")
        for warning in item.warnings:
            typer.echo(f"  warning: {warning}")
    if job.status == "cancelled":
        typer.echo(f"CANCELLED: job {job.id} stopped between two files; the datasets loaded before are kept")
    return 0 if job.status == "succeeded" and not failed else 1

