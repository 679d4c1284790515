"""Between parsing and embedding: garbage dropped with a warning, a cap on chunks per file, library
warnings kept as the file's warnings (real parsers, Chroma and BM25; hashing embeddings for speed)."""

from __future__ import annotations

import base64
import random
import re
from pathlib import Path

import pytest

from assistant.config import ConfigError, IngestionSettings, load_settings
from assistant.knowledge import KnowledgeBase
from ingestion.pipeline import Ingestor
from tests.fakes import HashingEmbeddings
from tests.fixtures import documents as fixtures


def ingestor(knowledge: KnowledgeBase, **settings: object) -> Ingestor:
    return Ingestor(knowledge, HashingEmbeddings(), IngestionSettings(parse_timeout_s=60, **settings))  # type: ignore[arg-type]


def test_mostly_garbage_document_keeps_its_text_and_says_what_was_dropped(
    tmp_path: Path, knowledge: KnowledgeBase
) -> None:
    blob = base64.encodebytes(random.Random(3).randbytes(60_000)).decode()
    path = tmp_path / "docs" / "note.txt"
    path.parent.mkdir()
    path.write_text(f"{fixtures.HEADING}\n\n{fixtures.NARRATIVE}\n\n{blob}\n\n{fixtures.SECOND_NARRATIVE}\n",
                    encoding="utf-8")
    [outcome] = ingestor(knowledge).ingest([path.parent], "demo", public=True).outcomes
    assert outcome.status == "ingested", outcome.reason
    texts = [text for _, text in knowledge.catalog.chunk_texts("demo")]
    assert any(fixtures.NARRATIVE in t for t in texts) and any(fixtures.SECOND_NARRATIVE in t for t in texts)
    assert not any(blob.splitlines()[5] in t for t in texts)
    assert len(outcome.warnings) == 1 and re.search(r"[\d,]+ characters that do not look like language were not "
                                                    r"indexed", outcome.warnings[0])


def test_garbage_only_file_is_refused_before_embedding(tmp_path: Path, knowledge: KnowledgeBase) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "jeton.txt").write_bytes(b"z" * 2_000_000)
    [outcome] = ingestor(knowledge).ingest([folder], "demo", public=True).outcomes
    assert outcome.status == "failed"
    assert outcome.reason.startswith("the text does not look like language, nothing was indexed: only 0% of its "
                                     "letters and digits are in words or numbers of a plausible length")
    assert knowledge.catalog.chunk_ids("demo") == set()


def test_a_file_over_the_chunk_cap_is_refused_naming_the_cap(tmp_path: Path, knowledge: KnowledgeBase) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "long.txt").write_text("\n\n".join([fixtures.NARRATIVE * 8] * 12), encoding="utf-8")
    fixtures.write_txt(folder)
    report = ingestor(knowledge, max_chunks_per_file=5).ingest([folder], "demo", public=True)
    outcomes = {outcome.path.name: outcome for outcome in report.outcomes}
    assert outcomes["compte-rendu.txt"].status == "ingested"
    assert outcomes["long.txt"].status == "failed"
    assert re.fullmatch(r"the file gives \d+ chunks, over the limit of 5 per file \(ingestion.max_chunks_per_file\):"
                        r" split the file or raise the limit", outcomes["long.txt"].reason)


def test_library_warnings_become_the_files_warnings(tmp_path: Path, knowledge: KnowledgeBase) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    pdf = fixtures.write_text_pdf(tmp_path, [[fixtures.NARRATIVE]]).read_bytes()
    (folder / "pointeur.pdf").write_bytes(re.sub(rb"startxref\n\d+", b"startxref\n12", pdf))
    [outcome] = ingestor(knowledge).ingest([folder], "demo", public=True).outcomes
    assert outcome.status == "ingested"
    assert "pypdf: incorrect startxref pointer(1)" in outcome.warnings


@pytest.mark.parametrize(("yaml", "message"), [
    ("max_chunks_per_file: 0", r"key 'ingestion\.max_chunks_per_file': Input should be greater than or equal to 1"),
    ("default_groups: ['  ']", r"key 'ingestion\.default_groups\.0': String should have at least 1 character"),
])
def test_ingestion_limits_are_validated(tmp_path: Path, yaml: str, message: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"ingestion:\n  {yaml}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(config, environ={})
    assert load_settings(environ={}).ingestion.max_chunks_per_file == 10_000  # config.yaml's value
