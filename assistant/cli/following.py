"""Following a queued job from the command line: the "queued" line, a warning when no worker takes it, and
Ctrl-C that stops following without stopping the job. `assistant ingest` and `assistant datasets add` share it."""

from __future__ import annotations

import time
from collections.abc import Callable

import typer
from rich.console import Console

from assistant.jobs.views import JobStatus
from assistant.runtime import Runtime

NO_WORKER_AFTER_S = 15.0


def follow_job(runtime: Runtime, job: JobStatus, console: Console, inline_hint: str,
               on_change: Callable[[JobStatus], None] | None = None) -> JobStatus:
    """Say the job is queued, follow it to its end and return its last state; exit 130 on Ctrl-C."""
    console.print(f"job {job.id} queued (`assistant jobs cancel {job.id}` stops it; Ctrl-C only stops "
                  "following it)", highlight=False)
    queued_at, warned = time.monotonic(), False

    def warn_without_worker(current: JobStatus) -> None:
        nonlocal warned
        if current.status == "queued" and not warned and time.monotonic() - queued_at > NO_WORKER_AFTER_S:
            warned = True
            console.print(f"job {current.id} is still waiting for a worker: is `assistant worker` running? "
                          f"(`make run` starts one; {inline_hint})", highlight=False)

    try:
        return runtime.jobs.wait(job.id, on_change, poll_s=0.3, on_poll=warn_without_worker)
    except KeyboardInterrupt:
        console.print(f"no longer following job {job.id}: it goes on in the background "
                      f"(`assistant jobs show {job.id}`)", highlight=False)
        raise typer.Exit(130) from None
