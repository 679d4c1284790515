"""The ingestion pipeline on real parsers, real Chroma and real BM25 (hashing embeddings for speed)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from assistant.config import IngestionSettings, RetrievalSettings
from assistant.knowledge import KnowledgeBase
from assistant.principal import Principal
from assistant.retrieval import RetrievalService
from ingestion.pipeline import Ingestor
from tests.fakes import HashingEmbeddings

PARAGRAPH = ("La collecte des encombrants a lieu sur rendez-vous. Les habitants appellent le service "
             "propreté au 01 99 00 00 00 au moins une semaine avant la date souhaitée.")


@pytest.fixture
def ingestor(knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings) -> Ingestor:
    return Ingestor(knowledge, fake_embeddings, IngestionSettings(parse_timeout_s=60))


def corpus(folder: Path) -> Path:
    folder.mkdir()
    (folder / "encombrants.md").write_text(f"# Encombrants\n\n{PARAGRAPH}\n", encoding="utf-8")
    (folder / "piscine.txt").write_text("Tarifs de la piscine\n\nL'entrée adulte coûte 4,50 euros.\n",
                                        encoding="utf-8")
    return folder


def chunk_texts(knowledge: KnowledgeBase, collection: str = "demo") -> list[str]:
    return [text for _, text in knowledge.catalog.chunk_texts(collection)]


def test_ingest_is_idempotent_and_incremental(tmp_path: Path, ingestor: Ingestor, knowledge: KnowledgeBase) -> None:
    folder = corpus(tmp_path / "docs")
    first = ingestor.ingest([folder], "demo", public=True)
    assert (first.count("ingested"), first.count("failed")) == (2, 0)
    again = ingestor.ingest([folder], "demo")
    assert (again.count("ingested"), again.count("unchanged")) == (0, 2)
    (folder / "piscine.txt").write_text("Tarifs de la piscine\n\nL'entrée adulte coûte 5 euros.\n", encoding="utf-8")
    changed = ingestor.ingest([folder], "demo")
    assert changed.count("ingested") == 1
    texts = chunk_texts(knowledge)
    assert any("5 euros" in t for t in texts) and not any("4,50" in t for t in texts)
    assert knowledge.vectors.ids("demo") == knowledge.catalog.chunk_ids("demo")


def test_sync_removes_vanished_files(tmp_path: Path, ingestor: Ingestor, knowledge: KnowledgeBase) -> None:
    folder = corpus(tmp_path / "docs")
    ingestor.ingest([folder], "demo", public=True)
    (folder / "piscine.txt").unlink()
    assert ingestor.ingest([folder], "demo").removed == []  # without --sync nothing is removed
    report = ingestor.ingest([folder], "demo", sync=True)
    assert [Path(p).name for p in report.removed] == ["piscine.txt"]
    assert [d.source_name for d in knowledge.catalog.documents("demo")] == ["encombrants.md"]
    assert knowledge.vectors.ids("demo") == knowledge.catalog.chunk_ids("demo")


def test_bad_files_are_reported_and_do_not_stop_the_batch(tmp_path: Path, ingestor: Ingestor) -> None:
    folder = corpus(tmp_path / "docs")
    (folder / "corrompu.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage")
    (folder / "vide.txt").write_bytes(b"")
    (folder / "binaire.bin").write_bytes(bytes(range(256)) * 64)
    report = ingestor.ingest([folder], "demo", public=True)
    failed = {Path(f.path).name: f.reason for f in report.failures}
    assert set(failed) == {"corrompu.pdf", "vide.txt", "binaire.bin"}
    assert all(reason for reason in failed.values())
    assert report.count("ingested") == 2


def test_failed_update_keeps_previous_version(tmp_path: Path, ingestor: Ingestor, knowledge: KnowledgeBase) -> None:
    folder = corpus(tmp_path / "docs")
    ingestor.ingest([folder], "demo", public=True)
    (folder / "encombrants.md").write_bytes(b"\x00" * 10)  # now unreadable as text
    report = ingestor.ingest([folder], "demo")
    assert [Path(f.path).name for f in report.failures] == ["encombrants.md"]
    assert any("01 99 00 00 00" in t for t in chunk_texts(knowledge))


def test_disk_full_stops_cleanly(tmp_path: Path, ingestor: Ingestor, knowledge: KnowledgeBase,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = corpus(tmp_path / "docs")

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(knowledge.vectors, "upsert", no_space)
    report = ingestor.ingest([folder], "demo", public=True)
    assert report.aborted is not None and "disk full" in report.aborted
    assert knowledge.catalog.chunk_ids("demo") == set()  # nothing half-committed
    monkeypatch.undo()
    assert ingestor.ingest([folder], "demo").count("ingested") == 2


def test_ingested_passages_are_searchable_with_pages(tmp_path: Path, ingestor: Ingestor, knowledge: KnowledgeBase,
                                                     fake_embeddings: HashingEmbeddings) -> None:
    ingestor.ingest([corpus(tmp_path / "docs")], "demo", groups=["proprete"])
    service = RetrievalService(knowledge, fake_embeddings, RetrievalSettings())
    hits = service.search("rendez-vous encombrants", Principal.of("a", groups=["proprete"])).passages
    assert hits[0].source == "encombrants.md" and hits[0].section == "Encombrants"
    assert service.search("rendez-vous encombrants", Principal.of("b", groups=["rh"])).passages == []
