"""A service process sees what another process commits, without restarting: the passage vectors, the
opening vectors, both BM25 levels and the collections; several processes finding the BM25 index stale
rebuild it once. Real Chroma, real BM25, real SQLite; hashing embeddings (tests.fakes)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.config import RetrievalSettings
from assistant.database import Database
from assistant.knowledge import KnowledgeBase, openings_key
from assistant.principal import Principal
from assistant.retrieval import RetrievalService
from assistant.vectorstore import ChromaVectorIndex
from tests.fakes import HashingEmbeddings

ROOT = Path(__file__).resolve().parents[2]


class Writer:
    """Another process on the same data directory (tests/support/index_writer.py)."""

    def __init__(self, data: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.index_writer", str(data)], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        assert self.answer() == "ready"

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def answer(self) -> str:
        assert self.process.stdout is not None
        reply = self.process.stdout.readline().strip()
        assert reply.startswith("ok"), reply
        return reply[3:]

    def __call__(self, line: str) -> str:
        self.send(line)
        return self.answer()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def writer(data: Path) -> Iterator[Writer]:
    data.mkdir()
    other = Writer(data)
    yield other
    other.close()


@pytest.fixture
def service(data: Path, writer: Writer) -> Iterator[RetrievalService]:
    """What one worker holds, opened before the other process writes anything."""
    database = Database(f"sqlite:///{data / 'assistant.db'}")
    knowledge = KnowledgeBase.open(data, database)
    retrieval = RetrievalService(knowledge, HashingEmbeddings(), RetrievalSettings())
    yield retrieval
    retrieval.close()
    knowledge.vectors.close()
    database.close()


def sources(service: RetrievalService, query: str) -> list[str]:
    return [passage.source for passage in service.search(query, Principal.operator()).passages]


def retrievers(kb: KnowledgeBase, query: str) -> dict[str, set[str]]:
    """What each of the four retrievers finds for `query`, as document ids, after a search synced them."""
    vector = HashingEmbeddings().embed_query(query)
    documents = kb.chunk_documents("demo")
    return {
        "dense": {documents[hit.chunk_id] for hit in kb.dense_search("demo", vector, 10) if hit.chunk_id in documents},
        "openings": {hit.chunk_id for hit in kb.opening_search("demo", vector, 1)},
        "bm25 passages": {hit.document_id for hit in kb.lexical_search("demo", query, 10)},
        "bm25 documents": {hit.document_id for hit in kb.lexical_search("demo", query, 10, documents=True)},
    }


def test_another_process_writes_are_searched_without_restart(service: RetrievalService, writer: Writer) -> None:
    kb = service._kb
    piscine = writer("store demo piscine.md L'entrée adulte de la piscine coûte 4,50 euros")
    assert sources(service, "entrée piscine adulte") == ["piscine.md"]
    velo = writer("store demo velo.md La location de vélos électriques coûte 30 euros par mois")
    assert sources(service, "location vélos électriques")[0] == "velo.md"
    assert retrievers(kb, "location vélos électriques") == {
        "dense": {velo, piscine}, "openings": {velo}, "bm25 passages": {velo}, "bm25 documents": {velo}}
    assert writer("store demo piscine.md La patinoire municipale ouvre le samedi") == piscine  # replaced
    assert sources(service, "patinoire municipale samedi")[0] == "piscine.md"
    texts = [p.text for p in service.search("entrée piscine adulte", Principal.operator()).passages]
    assert all("4,50" not in text for text in texts)
    assert writer("remove demo velo.md") == "True"
    assert "velo.md" not in sources(service, "location vélos électriques")
    assert retrievers(kb, "location vélos électriques")["openings"] == {piscine}


def test_a_collection_created_by_another_process_is_searched(service: RetrievalService, writer: Writer) -> None:
    assert service.search("mairie", Principal.operator()).collections == []
    writer("store demo mairie.md La mairie ouvre à 8 h 30")
    result = service.search("mairie horaires", Principal.operator())
    assert result.collections == ["demo"] and result.passages[0].source == "mairie.md"


def test_vectors_of_an_ingestion_midway_are_no_candidates(service: RetrievalService, writer: Writer) -> None:
    writer("store demo mairie.md La mairie ouvre à 8 h 30")
    assert sources(service, "mairie") == ["mairie.md"]
    writer("vectors-only demo cantine.md Le menu de la cantine scolaire")  # not committed yet
    writer("store demo parc.md Le parc ferme à 20 heures")  # a commit: the service reopens its view
    assert "cantine.md" not in sources(service, "menu de la cantine scolaire")
    committed = set(service._kb.first_chunks("demo"))
    assert len(committed) == 2 and retrievers(service._kb, "menu de la cantine scolaire")["openings"] <= committed
    assert len(service._kb.vectors.ids(openings_key("demo"))) == 3  # the service's view has the new vector


def test_reading_vectors_another_process_added_since_they_were_loaded(data: Path, writer: Writer) -> None:
    """Chroma fails to read embeddings that another process added after this one loaded the collection
    ("Error finding id"): `vectors` reopens the store and reads them all."""
    writer("store demo mairie.md La mairie ouvre à 8 h 30")
    index = ChromaVectorIndex(data / "chroma")
    try:
        ids, _ = index.vectors("demo")
        assert len(ids) == 1
        writer("store demo parc.md Le parc ferme à 20 heures")
        ids, matrix = index.vectors("demo")
        assert len(ids) == 2 and matrix.shape[0] == 2 and np.isfinite(matrix).all()
    finally:
        index.close()


def test_processes_finding_the_lexical_index_stale_rebuild_it_once(data: Path, writer: Writer) -> None:
    writer("bulk demo 20")  # a rebuild long enough for the processes below to overlap
    others = [Writer(data) for _ in range(3)]
    try:
        for other in others:
            other.send("lexical demo")
        rebuilds = [int(other.answer()) for other in others]
    finally:
        for other in others:
            other.close()
    assert sorted(rebuilds) == [0, 0, 1]
