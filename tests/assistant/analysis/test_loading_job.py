"""`assistant datasets add` queues a background job that a real worker runs (or loads --inline)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from assistant.config import load_settings
from assistant.runtime import Runtime
from tests.support.jobs import ASSISTANT, ROOT, job_environment, running_worker

DEMO_TABLE = ROOT / "deploy" / "demo" / "datasets" / "fallback" / "demo_territoire_2024.csv"
CARDS = ROOT / "deploy" / "demo" / "datasets"


def datasets(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ASSISTANT, "datasets", *args], env=env, capture_output=True, text=True, timeout=600,
                          check=False)


def catalogue(env: dict[str, str]) -> dict[str, int]:
    runtime = Runtime(load_settings(environ=env))
    try:
        return {dataset.name: dataset.row_count for dataset in runtime.analysis.catalog.datasets()}
    finally:
        runtime.close()


def test_a_worker_loads_the_datasets_and_the_command_reports_each_file(tmp_path: Path) -> None:
    env = job_environment(tmp_path)
    broken = tmp_path / "cassé.csv"
    broken.write_bytes(b"\x00\x01\x02 pas un tableau")
    with running_worker(env, tmp_path / "worker.log"):
        done = datasets(env, "add", str(DEMO_TABLE), str(broken), "--cards", str(CARDS), "--public")
        assert done.returncode == 1, done.stderr  # one file failed: the exit code says so
        assert "job 1 queued" in done.stderr
        assert "ingested: demo_territoire_2024.csv" in done.stdout
        assert "error: cassé.csv:" in done.stderr
        again = datasets(env, "add", str(DEMO_TABLE), "--cards", str(CARDS))
        assert again.returncode == 0, again.stderr
        assert "unchanged: demo_territoire_2024.csv" in again.stdout
    loaded = catalogue(env)
    assert list(loaded) == ["demo_territoire_2024"] and loaded["demo_territoire_2024"] > 0
    runtime = Runtime(load_settings(environ=env))
    jobs = runtime.jobs.recent()
    runtime.close()
    assert [(job.kind, job.status) for job in jobs] == [("dataset_load", "succeeded"), ("dataset_load", "failed")]


def test_inline_loads_without_a_worker(tmp_path: Path) -> None:
    env = job_environment(tmp_path)
    done = datasets(env, "add", str(DEMO_TABLE), "--cards", str(CARDS), "--public", "--inline")
    assert done.returncode == 0, done.stderr
    assert "queued" not in done.stderr and list(catalogue(env)) == ["demo_territoire_2024"]
