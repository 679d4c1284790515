"""Real worker processes on the real queue (SQLite and PostgreSQL): ingestion jobs complete, survive kill -9
of their worker without indexing anything twice, stop between files when cancelled; bad jobs fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.jobs.kinds import InvalidJob
from assistant.jobs.service import NothingToRetry
from assistant.runtime import Runtime
from tests.support.jobs import WorkerProcess, job_environment, running_worker, wait_for, write_folder


def runtime_for(env: dict[str, str]) -> Runtime:
    return Runtime(load_settings(environ=env))


def test_a_queued_ingestion_is_run_by_a_worker(tmp_path: Path, database_url: str) -> None:
    env = job_environment(tmp_path, database_url)
    folder = write_folder(tmp_path / "docs", 3)
    (folder / "vide.txt").write_bytes(b"")
    runtime = runtime_for(env)
    job = runtime.jobs.enqueue_ingestion([folder], "demo", public=True, requested_by="test")
    assert job.status == "queued" and job.payload["paths"] == [str(folder)]
    with running_worker(env, tmp_path / "worker.log"):
        done = runtime.jobs.wait(job.id, poll_s=0.1)
    assert done.status == "succeeded", done.error
    assert (done.files_total, done.files_done, done.attempts) == (4, 4, 1)
    assert runtime.jobs.file_counts(job.id) == {"ingested": 3, "failed": 1}
    [failure] = runtime.jobs.files(job.id, "failed")
    assert Path(failure.path).name == "vide.txt" and failure.reason
    assert len(runtime.knowledge.catalog.documents("demo")) == 3
    assert [j.id for j in runtime.jobs.recent(5)] == [job.id]
    runtime.close()


def test_kill_9_of_the_worker_then_another_worker_finishes_indexing_each_file_once(
    tmp_path: Path, database_url: str
) -> None:
    files = 60
    env = job_environment(tmp_path, database_url)
    folder = write_folder(tmp_path / "docs", files)
    runtime = runtime_for(env)
    catalog = runtime.knowledge.catalog
    job = runtime.jobs.enqueue_ingestion([folder], "demo", public=True)
    first = WorkerProcess(env, tmp_path / "first.log")
    first.wait_ready()
    wait_for(lambda: len(catalog.documents("demo")) >= 3, what="the first committed files")
    first.kill()
    partial = len(catalog.documents("demo"))
    assert 3 <= partial < files, "the ingestion finished before the worker could be killed"
    assert runtime.jobs.status(job.id).status == "running"  # type: ignore[union-attr]

    with running_worker(env, tmp_path / "second.log"):
        done = runtime.jobs.wait(job.id, poll_s=0.1)
    assert done.status == "succeeded", done.error
    assert done.attempts == 2 and done.files_done == files
    assert runtime.jobs.file_counts(job.id) == {"ingested": files}
    documents = catalog.documents("demo")
    assert len(documents) == files
    # Each file committed exactly once: every commit bumps the collection's generation.
    assert catalog.generation("demo") == files
    vectors = runtime.knowledge.vectors
    vectors.reload()
    assert vectors.ids("demo") == catalog.chunk_ids("demo")
    assert len(catalog.chunk_ids("demo")) == files  # one chunk per small file, none twice
    runtime.close()


def test_a_cancelled_ingestion_stops_between_files_and_keeps_what_it_committed(tmp_path: Path) -> None:
    files = 80
    env = job_environment(tmp_path)
    folder = write_folder(tmp_path / "docs", files)
    runtime = runtime_for(env)
    catalog = runtime.knowledge.catalog
    job = runtime.jobs.enqueue_ingestion([folder], "demo", public=True)
    with running_worker(env, tmp_path / "worker.log"):
        wait_for(lambda: len(catalog.documents("demo")) >= 2, what="the first committed files")
        assert runtime.jobs.cancel(job.id).cancel_requested
        done = runtime.jobs.wait(job.id, poll_s=0.1)
    assert done.status == "cancelled" and "conservés" in (done.error or "")
    assert done.result["stopped"] == "cancelled"
    kept = len(catalog.documents("demo"))
    assert 2 <= kept < files
    assert runtime.jobs.file_counts(job.id) == {"ingested": kept}
    runtime.close()


def test_a_queued_job_is_cancelled_at_once(tmp_path: Path) -> None:
    runtime = runtime_for(job_environment(tmp_path))
    job = runtime.jobs.enqueue_ingestion([write_folder(tmp_path / "docs", 1)], "demo", public=True)
    cancelled = runtime.jobs.cancel(job.id)
    assert cancelled.status == "cancelled" and cancelled.finished_at is not None
    runtime.close()


def test_unknown_kinds_and_bad_payloads_are_refused_or_fail_with_their_reason(tmp_path: Path) -> None:
    env = job_environment(tmp_path)
    runtime = runtime_for(env)
    with pytest.raises(InvalidJob, match="type de tâche inconnu : 'reindex'"):
        runtime.jobs.enqueue("reindex", {})
    with pytest.raises(InvalidJob, match="collection"):
        runtime.jobs.enqueue("ingest", {"paths": ["/srv/docs"]})
    # Rows written by another version of the application, or by hand, reach the worker as they are.
    store, transport = runtime.job_store, runtime.job_transport
    unknown = store.create("reindex", {"collection": "demo"})
    bad = store.create("ingest", {"paths": [], "collection": "demo", "colour": "blue"})
    assert unknown is not None and bad is not None
    transport.push(unknown)
    transport.push(bad)
    with running_worker(env, tmp_path / "worker.log"):
        failed = [runtime.jobs.wait(job_id, poll_s=0.1) for job_id in (unknown, bad)]
    assert [job.status for job in failed] == ["failed", "failed"]
    assert failed[0].error is not None and "type de tâche inconnu : 'reindex'" in failed[0].error
    assert failed[1].error is not None and "paths" in failed[1].error and "colour" in failed[1].error
    runtime.close()


def test_a_stopped_worker_puts_its_job_back_for_the_next_one(tmp_path: Path) -> None:
    files = 80
    env = job_environment(tmp_path)
    runtime = runtime_for(env)
    catalog = runtime.knowledge.catalog
    job = runtime.jobs.enqueue_ingestion([write_folder(tmp_path / "docs", files)], "demo", public=True)
    first = WorkerProcess(env, tmp_path / "first.log")
    first.wait_ready()
    wait_for(lambda: len(catalog.documents("demo")) >= 2, what="the first committed files")
    assert first.stop() == 0
    assert runtime.jobs.status(job.id).status == "queued"  # type: ignore[union-attr]
    with running_worker(env, tmp_path / "second.log"):
        done = runtime.jobs.wait(job.id, poll_s=0.1)
    assert done.status == "succeeded" and done.attempts == 1
    assert len(catalog.documents("demo")) == files and catalog.generation("demo") == files
    runtime.close()


def test_retry_failed_files_ingests_only_them_into_the_same_collection(tmp_path: Path) -> None:
    env = job_environment(tmp_path)
    folder = write_folder(tmp_path / "docs", 2)
    broken = folder / "sous-dossier" / "vide.txt"
    broken.parent.mkdir()
    broken.write_bytes(b"")
    runtime = runtime_for(env)
    first = runtime.jobs.enqueue_ingestion([folder], "demo", groups=["urbanisme"])
    with pytest.raises(NothingToRetry, match="pas une ingestion terminée"):
        runtime.jobs.retry_failed(first.id)
    with running_worker(env, tmp_path / "worker.log"):
        first = runtime.jobs.wait(first.id, poll_s=0.1)
        assert runtime.jobs.file_counts(first.id) == {"ingested": 2, "failed": 1}
        broken.write_text("Le service urbanisme instruit les permis de construire.\n", encoding="utf-8")
        retry = runtime.jobs.retry_failed(first.id, requested_by="admin")
        assert retry.retry_of == first.id and retry.payload["only"] == [str(broken)]
        retry = runtime.jobs.wait(retry.id, poll_s=0.1)
    assert retry.status == "succeeded" and retry.files_total == 1
    assert runtime.jobs.file_counts(retry.id) == {"ingested": 1}
    sources = sorted(d.source_name for d in runtime.knowledge.catalog.documents("demo"))
    assert sources == ["fiche-000.md", "fiche-001.md", "sous-dossier/vide.txt"]  # named as in the folder
    assert runtime.knowledge.catalog.collection("demo").groups == ["urbanisme"]  # type: ignore[union-attr]
    with pytest.raises(NothingToRetry, match="aucun fichier en échec"):
        runtime.jobs.retry_failed(retry.id)
    runtime.close()
