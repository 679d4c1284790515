"""Real worker processes for the job tests: started, awaited, killed; folders of small French documents."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = str(Path(sys.executable).parent / "assistant")
# Short leases and heartbeats: a killed worker's job is taken over within seconds. No daily jobs unless a
# test asks for them (a test's worker must not purge anything at 03:30).
FAST_JOBS = {"lease_s": 2.0, "heartbeat_s": 0.5, "poll_s": 0.2, "audit_purge_at": None, "sync_at": None}


def job_environment(tmp_path: Path, database_url: str | None = None, **jobs: Any) -> dict[str, str]:
    overlay = tmp_path / "jobs-overlay.yaml"
    overlay.write_text(yaml.safe_dump({"jobs": {**FAST_JOBS, **jobs}}), encoding="utf-8")
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_CONFIG": str(overlay),
           "PYTHONPATH": str(ROOT)}
    if database_url:
        env["ASSISTANT_DATABASE_URL"] = database_url
    return env


def write_folder(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"fiche-{i:03d}.md").write_text(
            f"# Fiche {i}\n\nLe guichet numéro {i} accueille les usagers du lundi au vendredi. "
            f"La démarche {i} se fait sur rendez-vous au 01 99 00 00 {i % 100:02d}.\n", encoding="utf-8")
    return folder


def wait_for(condition: Callable[[], Any], timeout_s: float = 120, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


class WorkerProcess:
    def __init__(self, env: dict[str, str], log: Path, fake_embeddings: bool = True) -> None:
        command = ([sys.executable, "-m", "tests.support.fake_worker"] if fake_embeddings
                   else [ASSISTANT, "worker"])
        self.log = log
        self._handle = log.open("wb")
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=self._handle, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout_s: float = 120) -> None:
        def ready() -> bool:
            assert self.process.poll() is None, f"the worker exited:\n{self.output()}"
            return " ready: " in self.output()

        wait_for(ready, timeout_s, "the worker to be ready")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout_s: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout_s)
        finally:
            self._handle.close()


@contextmanager
def running_worker(env: dict[str, str], log: Path, fake_embeddings: bool = True) -> Iterator[WorkerProcess]:
    worker = WorkerProcess(env, log, fake_embeddings)
    try:
        worker.wait_ready()
        yield worker
    finally:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()
