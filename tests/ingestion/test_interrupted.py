"""kill -9 in the middle of an ingestion: the index stays usable and consistent; re-running completes it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.principal import Principal
from assistant.runtime import Runtime

pytestmark = pytest.mark.integration
FILES = 40


def ingest_command(folder: Path) -> list[str]:
    assistant = str(Path(sys.executable).parent / "assistant")
    return [assistant, "ingest", str(folder), "--collection", "demo", "--public", "--inline"]


def committed_documents(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=5) as connection:
            return int(connection.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def test_kill_9_mid_ingestion_then_rerun(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(FILES):
        (folder / f"fiche-{i:02d}.md").write_text(
            f"# Fiche {i}\n\nLe guichet numéro {i} accueille les usagers du lundi au vendredi. "
            f"La démarche {i} se fait sur rendez-vous au 01 99 00 00 {i:02d}.\n", encoding="utf-8")
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    settings = load_settings(environ=env)
    process = subprocess.Popen(ingest_command(folder), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        if committed_documents(tmp_path / "data" / "assistant.db") >= 5:
            break
        time.sleep(0.1)
    assert process.poll() is None, "ingestion finished before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    runtime = Runtime(settings)
    partial = len(runtime.knowledge.catalog.documents("demo"))
    assert 5 <= partial < FILES
    # Usable as it is: every catalogued chunk is searchable.
    hits = runtime.retrieval.search("rendez-vous guichet", Principal.operator()).passages
    assert hits and all(h.document_id in {d.id for d in runtime.knowledge.catalog.documents("demo")} for h in hits)
    runtime.close()

    rerun = subprocess.run(ingest_command(folder), env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    runtime = Runtime(settings)
    kb = runtime.knowledge
    assert len(kb.catalog.documents("demo")) == FILES
    assert kb.vectors.ids("demo") == kb.catalog.chunk_ids("demo")
    top = runtime.retrieval.search("démarche 37 rendez-vous", Principal.operator()).passages[0]
    assert top.source == "fiche-37.md"
    runtime.close()


def test_running_service_sees_another_process_ingestion(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "piscine.md").write_text("# Piscine\n\nL'entrée adulte coûte 4,50 euros.\n", encoding="utf-8")
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    subprocess.run(ingest_command(folder), env=env, check=True, capture_output=True, timeout=600)
    service = Runtime(load_settings(environ=env))  # what `assistant serve` holds
    assert service.retrieval.search("piscine", Principal.operator()).passages[0].source == "piscine.md"
    (folder / "velo.md").write_text("# Vélo\n\nLa location de vélos électriques coûte 30 euros par mois.\n",
                                    encoding="utf-8")
    subprocess.run(ingest_command(folder), env=env, check=True, capture_output=True, timeout=600)
    vector = service.embeddings.embed_query("location de vélos électriques")
    generation = service.knowledge.catalog.generation("demo")
    service.knowledge.sync_vectors({"demo": generation})
    dense = service.knowledge.dense_search("demo", vector, 5)
    documents = {d.id: d.source_name for d in service.knowledge.catalog.documents("demo")}
    chunks = service.knowledge.chunks([hit.chunk_id for hit in dense])
    assert documents[chunks[dense[0].chunk_id].document_id] == "velo.md"
    service.close()
