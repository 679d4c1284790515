"""The queue that wakes workers up: huey's storage on the relational store (see the README, "Background jobs").

SQLite (the default): huey's `SqliteStorage` in `jobs-queue.db` beside `assistant.db` (huey's table names
are fixed and generic: they stay out of the application's file). PostgreSQL: huey's `PostgresStorage` in the
application's database (tables `jobs_queue_*`), which wakes an idle worker at once through LISTEN/NOTIFY.

A message only carries a job id: the job itself (state, lease, progress) lives in the `jobs` table, so a
message lost with a killed worker, or delivered twice, changes nothing (see `assistant.jobs.worker`).
Messages are JSON, never pickle: a row written into the queue table cannot make a worker run code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import make_url

_QUEUE = "assistant-jobs"


class JobTransport(Protocol):
    def push(self, job_id: int) -> None: ...

    def pop(self) -> int | None:
        """The next job id, waiting up to the poll interval; None when there is none."""
        ...

    def pending(self) -> set[int]: ...

    def close(self) -> None: ...


def _json_serializer() -> Any:
    from huey.registry import Message
    from huey.serializer import Serializer

    class JsonSerializer(Serializer):
        def _serialize(self, data: Any) -> bytes:
            return json.dumps(list(data)).encode()

        def _deserialize(self, data: bytes) -> Any:
            return Message(*json.loads(bytes(data).decode()))

    return JsonSerializer()


class HueyTransport:
    def __init__(self, huey: Any, poll_s: float, blocking: bool) -> None:
        self._huey = huey
        self._poll_s = poll_s
        self._blocking = blocking

        def run_job(job_id: int) -> None:  # executed by assistant.jobs.worker, never by huey's consumer
            raise NotImplementedError

        self._task = huey.task(name="run_job")(run_job)

    def push(self, job_id: int) -> None:
        self._huey.enqueue(self._task.s(int(job_id)))

    def pop(self) -> int | None:
        import time

        task = self._huey.dequeue()
        if task is None:
            if not self._blocking:
                time.sleep(self._poll_s)
            return None
        return _job_id(task)

    def pending(self) -> set[int]:
        return {job_id for task in self._huey.pending() if (job_id := _job_id(task)) is not None}

    def close(self) -> None:
        self._huey.storage.close()


def _job_id(task: Any) -> int | None:
    args: Any = getattr(task, "args", ())
    if getattr(task, "name", "") != "run_job" or len(args) != 1 or not isinstance(args[0], int):
        return None
    return int(args[0])


def build_transport(database_url: str, data_dir: Path, poll_s: float) -> HueyTransport:
    """huey on the relational store the settings name (SQLite file or PostgreSQL database)."""
    from huey import PostgresHuey, SqliteHuey

    url = make_url(database_url)
    serializer = _json_serializer()
    if url.get_backend_name() == "sqlite":
        data_dir.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(_QUEUE, results=False, serializer=serializer, filename=str(data_dir / "jobs-queue.db"),
                          timeout=30)
        return HueyTransport(huey, poll_s, blocking=False)
    if url.get_backend_name() == "postgresql":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        huey = PostgresHuey(_QUEUE, results=False, serializer=serializer, dsn=dsn, table_prefix="jobs_queue",
                            blocking=True, read_timeout=poll_s)
        return HueyTransport(huey, poll_s, blocking=True)
    raise ValueError(f"background jobs need SQLite or PostgreSQL, not {url.get_backend_name()}")
