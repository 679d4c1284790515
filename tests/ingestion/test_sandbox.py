"""parse_isolated: same result as in-process, bounded time and memory, and a parent that never hangs."""

from __future__ import annotations

import multiprocessing.forkserver
import os
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from ingestion.document import Element, ElementKind, ParsedDocument, ParseError
from ingestion.parsers import ParseOptions, parse_file
from ingestion.parsers.serialization import decode_result, encode_error, encode_result
from ingestion.sandbox import parse_isolated
from tests.fixtures import documents as fixtures

OPTIONS = ParseOptions()
MEMORY_MB = 3072


def write_slow_text(directory: Path) -> Path:
    """Several megabytes of prose: seconds of classification, enough to overrun a short deadline."""
    return fixtures._write(directory / "long.txt", (fixtures.NARRATIVE + "\n\n").encode() * 60_000)


@pytest.fixture(scope="module")
def forkserver_ready(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The forkserver's first start imports unstructured and spaCy (seconds): keep it out of timings."""
    parse_isolated(fixtures.write_txt(tmp_path_factory.mktemp("warm")), OPTIONS, timeout_s=60, memory_mb=MEMORY_MB)


def test_isolated_parse_returns_the_in_process_result(tmp_path: Path) -> None:
    docx = fixtures.write_docx(tmp_path)
    assert parse_isolated(docx, OPTIONS, timeout_s=120, memory_mb=MEMORY_MB) == parse_file(docx, OPTIONS)


def test_parse_error_in_the_child_reaches_the_caller(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="encrypted"):
        parse_isolated(fixtures.write_encrypted_pdf(tmp_path), OPTIONS, timeout_s=60, memory_mb=MEMORY_MB)


@pytest.mark.usefixtures("forkserver_ready")
def test_overrunning_the_deadline_kills_the_child(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(ParseError, match=r"parsing took longer than 0\.5 s"):
        parse_isolated(write_slow_text(tmp_path), OPTIONS, timeout_s=0.5, memory_mb=MEMORY_MB)
    assert time.monotonic() - started < 5


def test_exceeding_the_memory_limit_is_reported(tmp_path: Path) -> None:
    # The forkserver's image alone (unstructured, spaCy and the French tagger, pdfminer...) is over 500 MB of
    # address space, and a small file fits in the memory it already holds: megabytes of prose do not.
    # Whichever allocation fails first (Python's MemoryError or a C library's crash), the admin is told.
    with pytest.raises(ParseError, match=r"(needed more than|the limit is) 500 MB"):
        parse_isolated(write_slow_text(tmp_path), OPTIONS, timeout_s=120, memory_mb=500)


@pytest.mark.usefixtures("forkserver_ready")
def test_a_crashed_child_is_reported_without_hanging(tmp_path: Path) -> None:
    outcome: list[BaseException] = []

    def parse() -> None:
        try:
            parse_isolated(write_slow_text(tmp_path), OPTIONS, timeout_s=120, memory_mb=MEMORY_MB)
        except ParseError as error:
            outcome.append(error)

    forkserver = psutil.Process(multiprocessing.forkserver._forkserver._forkserver_pid)
    already_running = {child.pid for child in forkserver.children()}
    worker = threading.Thread(target=parse)
    worker.start()
    child = _wait_for_new_child(forkserver, already_running)
    os.kill(child.pid, signal.SIGSEGV)
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert len(outcome) == 1 and "crashed (SIGSEGV)" in str(outcome[0])


@pytest.mark.integration
def test_timeout_also_kills_libreoffice(tmp_path: Path) -> None:
    import docx

    # Long enough that LibreOffice alone converts it in more than a second even on a quiet machine, and the
    # whole parse takes several: the deadline always falls, and falls while LibreOffice runs.
    long_document = docx.Document()
    for number in range(2000):
        long_document.add_paragraph(f"{number} {fixtures.NARRATIVE}")
    long_document.save(tmp_path / "long.docx")
    fixtures.convert_with_soffice([tmp_path / "long.docx"], "odt", tmp_path)
    with pytest.raises(ParseError, match="longer than"):
        parse_isolated(tmp_path / "long.odt", OPTIONS, timeout_s=0.8, memory_mb=MEMORY_MB)
    time.sleep(0.5)
    leftovers = [p for p in psutil.process_iter(["cmdline"]) if "convert-" in " ".join(p.info["cmdline"] or [])]
    assert leftovers == []


def test_batch_goes_on_after_hostile_files(tmp_path: Path) -> None:
    hostile = [fixtures.write_zip_bomb_docx(tmp_path), fixtures._write(tmp_path / "vide.txt", b"")]
    for path in hostile:
        with pytest.raises(ParseError):
            parse_isolated(path, OPTIONS, timeout_s=60, memory_mb=MEMORY_MB)
    document = parse_isolated(fixtures.write_txt(tmp_path), OPTIONS, timeout_s=60, memory_mb=MEMORY_MB)
    assert document.title == fixtures.HEADING


def test_results_cross_the_process_boundary_as_json_not_pickle() -> None:
    document = ParsedDocument(
        title="Séance",
        elements=[Element("Ordre du jour", ElementKind.TITLE, page=2, depth=1), Element("x", ElementKind.TABLE)],
        file_type="pdf",
        page_count=3,
        warnings=["OCR used on page(s) 2"],
    )
    assert decode_result(encode_result(document)) == document
    with pytest.raises(ParseError, match=r"^the PDF is encrypted$"):
        decode_result(encode_error("the PDF is encrypted"))
    with pytest.raises(ParseError, match="unreadable result"):
        decode_result(b"\x80\x04\x95 not json")


def _wait_for_new_child(forkserver: psutil.Process, known: set[int]) -> psutil.Process:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        new = [child for child in forkserver.children() if child.pid not in known]
        if new:
            time.sleep(0.3)  # let it reach the parsing itself
            return new[0]
        time.sleep(0.02)
    raise AssertionError("the parsing child never started")
