"""External programs (LibreOffice, pdftoppm, Tesseract) under a deadline that also kills their children."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Mapping, Sequence

from ingestion.document import ParseError
from ingestion.parsers import limits


def run_tool(
    command: Sequence[str],
    timeout_s: float = limits.EXTERNAL_TOOL_TIMEOUT_S,
    extra_env: Mapping[str, str] | None = None,
) -> bytes:
    """Run `command`, return its stdout; a failure, a missing program or a timeout is a ParseError."""
    env = {**os.environ, **(extra_env or {})}
    try:
        # Same process group as the caller: the sandbox kills that group, tools included.
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
    except FileNotFoundError as error:
        raise ParseError(f"the program {command[0]!r} is not installed on this server") from error
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as error:
        _kill_tree(process)
        raise ParseError(f"{command[0]} took longer than {timeout_s:.0f} s") from error
    if process.returncode != 0:
        message = stderr.decode("utf-8", errors="replace").strip()[-500:]
        raise ParseError(f"{command[0]} failed (exit code {process.returncode}): {message}")
    return stdout


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Kill the tool and what it started (LibreOffice's launcher runs the real soffice.bin as a child)."""
    import psutil

    with contextlib.suppress(psutil.NoSuchProcess):
        for descendant in psutil.Process(process.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                descendant.kill()
    process.kill()
    process.wait()
    # Not communicate(): a grandchild that escaped could keep the pipes open forever.
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
