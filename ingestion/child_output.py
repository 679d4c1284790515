"""What parsing libraries say while they work, turned into the file's warnings instead of raw terminal lines.

pypdf logs "EOF marker not found", pdfminer and unstructured log or `warnings.warn`, C libraries and
tools write to the process's stderr. In the parsing child all of it is collected: Python log records
and warnings through a logging handler, file descriptors 1 and 2 into a file of the child's scratch
folder. The parent then gets them as notes of the parsed document, never in the middle of its output.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Final

MAX_NOTES: Final = 20
MAX_NOTE_CHARS: Final = 300
_MAX_OUTPUT_BYTES: Final = 64 * 1024


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.notes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a library's malformed log call must not break the parse
            message = str(record.msg)
        name = record.name.split(".")[0] if record.name != "py.warnings" else "warning"
        self.notes.append(f"{name}: {message}")


class ChildOutput:
    """Installed once at the start of the parsing child; `notes()` at the end."""

    def __init__(self, scratch_dir: str) -> None:
        self._path = Path(scratch_dir) / "child-output.txt"
        descriptor = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(descriptor, 1)
        os.dup2(descriptor, 2)
        os.close(descriptor)
        self._collector = _Collector()
        root = logging.getLogger()
        root.handlers = [self._collector]
        root.setLevel(logging.WARNING)
        logging.captureWarnings(True)

    def notes(self) -> list[str]:
        """Distinct messages, in order of first appearance, bounded in number and length."""
        sys.stdout.flush()
        sys.stderr.flush()
        with self._path.open("rb") as output:
            written = output.read(_MAX_OUTPUT_BYTES).decode("utf-8", errors="replace")
        lines = self._collector.notes + [f"output: {line.strip()}" for line in written.splitlines() if line.strip()]
        distinct = list(dict.fromkeys(line[:MAX_NOTE_CHARS] for line in lines))
        if len(distinct) > MAX_NOTES:
            distinct = [*distinct[:MAX_NOTES], f"... and {len(distinct) - MAX_NOTES} more messages"]
        return distinct
