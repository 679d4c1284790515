"""The ingestion pipeline keeps the exact bytes it parsed (real parsers, Chroma, BM25; hashing embeddings)."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from assistant import originals
from assistant.config import IngestionSettings
from assistant.knowledge import KnowledgeBase
from ingestion.pipeline import Ingestor
from tests.fakes import HashingEmbeddings

VERSIONS = {"A": "Tarifs de la cantine\n\nLe repas coûte 3,10 euros (version A).\n",
            "B": "Tarifs de la cantine\n\nLe repas coûte 3,40 euros (version B).\n"}


@pytest.fixture
def ingestor(knowledge: KnowledgeBase, fake_embeddings: HashingEmbeddings) -> Ingestor:
    return Ingestor(knowledge, fake_embeddings, IngestionSettings(parse_timeout_s=60))


def folder_with(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def copy_of(knowledge: KnowledgeBase, collection: str, name: str) -> bytes:
    document = next(d for d in knowledge.catalog.documents(collection) if Path(d.path).name == name)
    return knowledge.originals.path_for(document.content_hash).read_bytes()


def test_copies_are_kept_shared_and_released(tmp_path: Path, ingestor: Ingestor, knowledge: KnowledgeBase) -> None:
    docs = folder_with(tmp_path / "docs", {"cantine.txt": VERSIONS["A"], "sous/dossier/menu.md": "# Menu\n\nFrites.\n"})
    same = folder_with(tmp_path / "same", {"cantine-copie.txt": VERSIONS["A"]})
    ingestor.ingest([docs], "demo", public=True)
    ingestor.ingest([same], "autre", public=True)
    assert copy_of(knowledge, "demo", "cantine.txt") == VERSIONS["A"].encode()
    assert {d.source_name for d in knowledge.catalog.documents("demo")} == {"cantine.txt", "sous/dossier/menu.md"}
    digest_a = hashlib.sha256(VERSIONS["A"].encode()).hexdigest()
    assert len(knowledge.originals.digests()) == 2  # the two identical files share one copy
    (docs / "cantine.txt").write_text(VERSIONS["B"], encoding="utf-8")
    ingestor.ingest([docs], "demo", public=True)
    assert copy_of(knowledge, "demo", "cantine.txt") == VERSIONS["B"].encode()
    assert knowledge.originals.has(digest_a)  # still referenced by the other collection
    knowledge.remove_document(knowledge.catalog.documents("autre")[0].id)
    assert not knowledge.originals.has(digest_a)
    assert knowledge.originals.digests() == knowledge.catalog.content_hashes()


def test_disk_full_while_copying_fails_that_file_only(tmp_path: Path, ingestor: Ingestor, knowledge: KnowledgeBase,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    docs = folder_with(tmp_path / "docs", {"a-gros.txt": VERSIONS["A"] * 200, "b-petit.txt": VERSIONS["B"]})
    written = originals._write_block

    def full_for_big_files(fd: int, block: memoryview) -> None:
        written(fd, block[:100])
        if len(block) > 1000:
            raise OSError(errno.ENOSPC, "No space left on device")
        written(fd, block[100:])

    monkeypatch.setattr(originals, "_write_block", full_for_big_files)
    report = ingestor.ingest([docs], "demo", public=True)
    assert [(Path(f.path).name, "disk full" in f.reason) for f in report.failures] == [("a-gros.txt", True)]
    assert report.aborted is None and report.count("ingested") == 1
    assert knowledge.originals.digests() == knowledge.catalog.content_hashes()  # nothing half-written kept
    assert [p for p in (knowledge.originals.root / ".staging").iterdir()] == []
    monkeypatch.undo()
    assert ingestor.ingest([docs], "demo", public=True).count("ingested") == 1


def test_a_file_changing_during_ingestion_never_splits_copy_and_index(
        tmp_path: Path, ingestor: Ingestor, knowledge: KnowledgeBase) -> None:
    docs = folder_with(tmp_path / "docs", {"cantine.txt": VERSIONS["A"]})
    stop = threading.Event()

    def flip() -> None:  # the file is replaced again and again while it is ingested
        while not stop.is_set():
            for version, text in VERSIONS.items():
                (docs / f".{version}").write_text(text, encoding="utf-8")
                os.replace(docs / f".{version}", docs / "cantine.txt")

    writer = threading.Thread(target=flip, daemon=True)
    writer.start()
    try:
        for _ in range(4):
            ingestor.ingest([docs], "demo", public=True)
            document = knowledge.catalog.documents("demo")[0]
            copy = knowledge.originals.path_for(document.content_hash).read_bytes()
            assert hashlib.sha256(copy).hexdigest() == document.content_hash
            version = "A" if b"version A" in copy else "B"
            assert all(f"version {version}" in text for _, text in knowledge.catalog.chunk_texts("demo"))
    finally:
        stop.set()
        writer.join()


def test_reconcile_removes_what_a_crash_left(tmp_path: Path, ingestor: Ingestor, knowledge: KnowledgeBase) -> None:
    docs = folder_with(tmp_path / "docs", {"cantine.txt": VERSIONS["A"]})
    ingestor.ingest([docs], "demo", public=True)
    orphan = tmp_path / "jamais-indexe.txt"
    orphan.write_text(VERSIONS["B"], encoding="utf-8")
    staged = knowledge.originals.stage(orphan)  # copied, then the process was killed before its commit
    long_ago = time.time() - 2 * 86400
    for path in (knowledge.originals.path_for(staged.digest), staged.path.parent):
        os.utime(path, (long_ago, long_ago))
    assert ingestor.ingest([docs], "demo", public=True).count("unchanged") == 1
    assert knowledge.originals.digests() == knowledge.catalog.content_hashes()
    assert not staged.path.parent.exists()


def test_a_previous_release_document_gets_its_copy_without_reparsing(
        tmp_path: Path, ingestor: Ingestor, knowledge: KnowledgeBase) -> None:
    docs = folder_with(tmp_path / "docs", {"cantine.txt": VERSIONS["A"]})
    ingestor.ingest([docs], "demo", public=True)
    chunks = knowledge.catalog.chunk_ids("demo")
    shutil.rmtree(knowledge.originals.root)  # as indexed by a release that kept no copies
    report = ingestor.ingest([docs], "demo", public=True)
    assert report.count("unchanged") == 1 and knowledge.catalog.chunk_ids("demo") == chunks
    assert copy_of(knowledge, "demo", "cantine.txt") == VERSIONS["A"].encode()
