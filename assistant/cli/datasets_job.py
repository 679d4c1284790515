"""`assistant datasets add` without --inline: the loading is queued for `assistant worker` and followed here."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from assistant.analysis.loading_job import DATASET_LOAD
from assistant.jobs.views import JobStatus
from assistant.runtime import Runtime

err_console = Console(stderr=True)
_NO_WORKER_AFTER_S = 10.0


def load_as_job(runtime: Runtime, payload: dict[str, object], requested_by: str) -> int:
    """Queue, follow and summarise a dataset load; the exit code is 1 when a file failed, like --inline."""
    job = runtime.jobs.enqueue(DATASET_LOAD, payload, requested_by)
    err_console.print(f"job {job.id} queued (`assistant jobs cancel {job.id}` stops it; Ctrl-C only stops "
                      "following it)", highlight=False)
    try:
        job = _follow(runtime, job)
    except KeyboardInterrupt:
        err_console.print(f"no longer following job {job.id}: it goes on in the background "
                          f"(`assistant jobs show {job.id}`)", highlight=False)
        raise typer.Exit(130) from None
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


def _follow(runtime: Runtime, job: JobStatus) -> JobStatus:
    queued_at, warned = time.monotonic(), False

    def on_change(current: JobStatus) -> None:
        nonlocal warned
        if current.status == "queued" and not warned and time.monotonic() - queued_at > _NO_WORKER_AFTER_S:
            warned = True
            err_console.print(f"job {current.id} is still waiting for a worker: is `assistant worker` running? "
                              "(`make run` starts one; --inline loads here)", highlight=False)

    return runtime.jobs.wait(job.id, on_change, poll_s=0.3)
