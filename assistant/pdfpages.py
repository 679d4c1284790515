"""One page of a PDF as a PNG image, rendered by poppler's `pdftoppm`, bounded in time, memory and size.

The viewer shows the cited page as an image: Chromium's built-in PDF viewer does not run under the
`Content-Security-Policy: sandbox` every original is served with, and an image cannot run a script.
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


class PageNotRendered(RuntimeError):
    """pdftoppm failed, overran its time or memory, or the disk is full."""


def _command(pdf: Path, page: int, prefix: Path) -> list[str]:
    render = ["pdftoppm", "-q", "-png", "-singlefile", "-f", str(page), "-l", str(page),
              "-scale-to", str(LONGEST_SIDE_PX), str(pdf), str(prefix)]
    limit = shutil.which("prlimit")  # util-linux: an address-space limit without forking Python
    return [limit, f"--as={RENDER_MEMORY_MB * 1024 * 1024}", *render] if limit else render


def render_page(pdf: Path, page: int, target: Path, timeout_s: float = RENDER_TIMEOUT_S) -> Path:
    """Render `page` (1-based) of `pdf` to `target`, atomically; an existing `target` is reused."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".render-", dir=target.parent) as work:
        prefix = Path(work) / "page"
        try:
            completed = subprocess.run(_command(pdf, page, prefix), capture_output=True, timeout=timeout_s,
                                       stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PageNotRendered(f"le rendu de la page a dépassé {timeout_s:g} s") from exc
        except OSError as exc:
            raise PageNotRendered(f"pdftoppm n'a pas pu être lancé ({exc.strerror or exc})") from exc
        image = prefix.with_suffix(".png")
        if completed.returncode != 0 or not image.is_file():
            raise PageNotRendered(f"pdftoppm a échoué (code {completed.returncode})")
        os.replace(image, target)
    return target
