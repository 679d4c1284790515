"""`assistant worker`: runs background jobs (ingestions, scheduled jobs) until Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from assistant.cli.app import app, err_console, runtime_or_exit
from assistant.runtime import Runtime


def _load_models(runtime: Runtime) -> None:
    """What the first ingestion would load, loaded while the worker waits for it."""
    from ingestion.language import load_lexicon

    _ = runtime.embeddings
    load_lexicon()


def serve_jobs(runtime: Runtime) -> None:
    """Run a worker on `runtime` until a signal stops it: running jobs stop after their current file and
    go back to the queue (the next worker resumes them). A second signal exits at once."""
    from assistant.jobs.handlers import job_kinds
    from assistant.jobs.worker import Worker
    from ingestion.sandbox import start_forkserver

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    start_forkserver()  # its imports run beside the worker's start, not during the first ingestion
    threading.Thread(target=_load_models, args=(runtime,), name="load-models", daemon=True).start()
    worker = Worker(runtime, runtime.job_store, runtime.job_transport, job_kinds())

    def stop(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGINT and worker_stopping[0]:
            os._exit(130)
        worker_stopping[0] = True
        err_console.print("worker stopping: running jobs stop after their current file and go back to the queue")
        worker.stop()

    worker_stopping = [False]
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    settings = runtime.settings.jobs
    worker.run(on_ready=lambda: err_console.print(
        f"worker {worker.name} ready: {settings.worker_concurrency} job(s) at a time, lease {settings.lease_s:g} s",
        highlight=False))
    runtime.close()


@app.command("worker")
def worker_command(
    concurrency: Annotated[int | None, typer.Option(
        "--concurrency", min=1, max=8, help="Jobs run at the same time (default: jobs.worker_concurrency).")] = None,
) -> None:
    """Run background jobs: queued ingestions (`assistant ingest`), the daily audit purge and nightly sync."""
    runtime = runtime_or_exit()
    if concurrency is not None:
        runtime.settings = runtime.settings.model_copy(update={
            "jobs": runtime.settings.jobs.model_copy(update={"worker_concurrency": concurrency})})
    serve_jobs(runtime)
