"""One page of a PDF as a PNG image and as text, by poppler's `pdftoppm` and `pdftotext`, bounded in time,
memory and size, cached where the caller says.

The viewer shows the cited page as an image with its text: Chromium's built-in PDF viewer does not run
under the `Content-Security-Policy: sandbox` every original is served with, and an image cannot run a script.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

RENDER_TIMEOUT_S: Final = 20.0
RENDER_MEMORY_MB: Final = 1024
LONGEST_SIDE_PX: Final = 1600
MAX_PAGE_TEXT_CHARS: Final = 20_000


class PageNotRendered(RuntimeError):
    """poppler failed, overran its time or memory, or the disk is full."""


def _bounded(command: list[str]) -> list[str]:
    limit = shutil.which("prlimit")  # util-linux: an address-space limit without forking Python
    return [limit, f"--as={RENDER_MEMORY_MB * 1024 * 1024}", *command] if limit else command


def _run(command: list[str], output: Path, target: Path, timeout_s: float) -> None:
    try:
        completed = subprocess.run(_bounded(command), capture_output=True, timeout=timeout_s,
                                   stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PageNotRendered(f"le rendu de la page a dépassé {timeout_s:g} s") from exc
    except OSError as exc:
        raise PageNotRendered(f"{command[0]} n'a pas pu être lancé ({exc.strerror or exc})") from exc
    if completed.returncode != 0 or not output.is_file():
        raise PageNotRendered(f"{command[0]} a échoué (code {completed.returncode})")
    os.replace(output, target)


def _cached(target: Path, make: list[str], output_name: str, timeout_s: float) -> Path:
    """Run `make` (with {out} for the work directory) unless `target` exists; publish its output atomically."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".render-", dir=target.parent) as work:
        command = [part.replace("{out}", work) for part in make]
        _run(command, Path(work) / output_name, target, timeout_s)
    return target


def render_page(pdf: Path, page: int, target: Path, timeout_s: float = RENDER_TIMEOUT_S) -> Path:
    """`page` (1-based) of `pdf` as a PNG at `target`; an existing `target` is reused."""
    command = ["pdftoppm", "-q", "-png", "-singlefile", "-f", str(page), "-l", str(page),
               "-scale-to", str(LONGEST_SIDE_PX), str(pdf), "{out}/page"]
    return _cached(target, command, "page.png", timeout_s)


def page_text(pdf: Path, page: int, target: Path, timeout_s: float = RENDER_TIMEOUT_S) -> str:
    """The text of `page` of `pdf` in reading order (cached at `target`), at most MAX_PAGE_TEXT_CHARS."""
    command = ["pdftotext", "-q", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "{out}/page.txt"]
    text = _cached(target, command, "page.txt", timeout_s).read_text(encoding="utf-8", errors="replace")
    return text.strip()[:MAX_PAGE_TEXT_CHARS]
