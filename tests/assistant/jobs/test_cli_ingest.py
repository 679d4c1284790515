"""`assistant ingest` queues a job and follows it (same summary and exit codes as inline), or runs inline."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from assistant.cli.following import NO_WORKER_AFTER_S
from assistant.config import load_settings
from assistant.runtime import Runtime
from tests.support.jobs import ASSISTANT, job_environment, running_worker, wait_for, write_folder


def ingest(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ASSISTANT, "ingest", *args], env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def summary_counts(stdout: str) -> dict[str, str]:
    rows = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if len(cells) == 2 and cells[0]:
            rows[cells[0]] = cells[1]
    return rows


def test_ingest_follows_its_job_with_the_summary_and_exit_codes(tmp_path: Path) -> None:
    env = job_environment(tmp_path)
    folder = write_folder(tmp_path / "docs", 3)
    with running_worker(env, tmp_path / "worker.log"):
        first = ingest(env, str(folder), "--collection", "demo", "--public")
        assert first.returncode == 0, first.stderr
        assert "job 1 queued" in first.stderr and "ingested: " in first.stderr
        counts = summary_counts(first.stdout)
        assert (counts["files ingested"], counts["failed"], counts["chunks added"]) == ("3", "0", "3")
        (folder / "vide.txt").write_bytes(b"")
        second = ingest(env, str(folder), "--collection", "demo")
        assert second.returncode == 1, second.stderr
        counts = summary_counts(second.stdout)
        assert (counts["files ingested"], counts["skipped (unchanged)"], counts["failed"]) == ("0", "3", "1")
        assert "FAILED" in second.stdout and "vide.txt" in second.stdout
    refused = ingest(env, str(folder), "--collection", "neuve")  # no --groups / --public: refused at once
    assert refused.returncode == 2 and "--public" in refused.stderr


def test_ingest_inline_needs_no_worker(tmp_path: Path) -> None:
    env = job_environment(tmp_path)
    folder = write_folder(tmp_path / "docs", 2)
    (folder / "vide.txt").write_bytes(b"")
    done = ingest(env, str(folder), "--collection", "demo", "--public", "--inline")
    assert done.returncode == 1, done.stderr
    counts = summary_counts(done.stdout)
    assert (counts["files ingested"], counts["failed"]) == ("2", "1")
    runtime = Runtime(load_settings(environ=env))
    assert runtime.jobs.recent() == [] and len(runtime.knowledge.catalog.documents("demo")) == 2
    runtime.close()


def test_a_job_cancelled_while_followed_says_so(tmp_path: Path) -> None:
    files = 80
    env = job_environment(tmp_path)
    folder = write_folder(tmp_path / "docs", files)
    runtime = Runtime(load_settings(environ=env))
    with running_worker(env, tmp_path / "worker.log"):
        follower = subprocess.Popen([ASSISTANT, "ingest", str(folder), "--collection", "demo", "--public"],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: len(runtime.knowledge.catalog.documents("demo")) >= 2, what="the first committed files")
        cancel = subprocess.run([ASSISTANT, "jobs", "cancel", "1"], env=env, capture_output=True, text=True,
                                timeout=120, check=False)
        assert cancel.returncode == 0 and "cancel requested" in cancel.stdout
        stdout, stderr = follower.communicate(timeout=300)
    assert follower.returncode == 1, stderr
    kept = len(runtime.knowledge.catalog.documents("demo"))
    assert 2 <= kept < files
    assert f"CANCELLED job 1 stopped between two files: the {kept} files ingested before are kept" in " ".join(
        stdout.split())
    assert summary_counts(stdout)["files ingested"] == str(kept)
    runtime.close()


def test_ingest_without_a_worker_says_so_and_ctrl_c_leaves_the_job_queued(tmp_path: Path) -> None:
    env = job_environment(tmp_path)
    folder = write_folder(tmp_path / "docs", 1)
    follower = subprocess.Popen([ASSISTANT, "ingest", str(folder), "--collection", "demo", "--public"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runtime = Runtime(load_settings(environ=env))
    wait_for(lambda: runtime.jobs.recent(), what="the job to be queued")
    time.sleep(NO_WORKER_AFTER_S + 3)
    follower.send_signal(signal.SIGINT)
    _, stderr = follower.communicate(timeout=60)
    assert follower.returncode == 130, stderr
    message = " ".join(stderr.split())
    assert "job 1 is still waiting for a worker: is `assistant worker` running?" in message
    assert "no longer following job 1: it goes on in the background" in message
    assert [job.status for job in runtime.jobs.recent()] == ["queued"]
    runtime.close()
