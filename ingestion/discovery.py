"""Finding the files to ingest under the paths an admin names, never leaving those folders through links."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Candidate:
    """A file to ingest (`reason` is None) or one refused before parsing, with why."""

    path: Path
    root: Path
    reason: str | None = None


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$")


def _walk(root: Path) -> Iterator[Candidate]:
    for directory, subdirs, files in os.walk(root, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if not _is_hidden(d))
        for name in sorted(files):
            if _is_hidden(name):
                continue
            yield from _candidate(Path(directory) / name, root)
        for name in subdirs:
            link = Path(directory) / name
            if link.is_symlink() and not link.resolve().is_relative_to(root):
                yield _outside_link(link, root)


def _outside_link(link: Path, root: Path) -> Candidate:
    return Candidate(link, root, f"symbolic link pointing outside {root} (to {link.resolve()}): not followed")


def _candidate(path: Path, root: Path) -> Iterator[Candidate]:
    if path.is_symlink():
        # A link inside the folder is covered by its target's own entry; one leading out is refused.
        if not path.resolve().is_relative_to(root):
            yield _outside_link(path, root)
        return
    if not path.is_file():
        yield Candidate(path, root, "not a regular file (device, socket or pipe)")
        return
    yield Candidate(path.resolve(), root)


def discover(paths: Sequence[Path]) -> Iterator[Candidate]:
    """Yield every file below the given folders (and the given files), in a stable order."""
    for given in paths:
        if not given.exists() and not given.is_symlink():
            yield Candidate(given, given, "no such file or folder")
        elif given.is_dir():
            yield from _walk(given.resolve())
        else:
            # A file named explicitly by the admin is taken as named, even through a link.
            resolved = given.resolve()
            if resolved.is_file():
                yield Candidate(resolved, resolved.parent)
            else:
                yield Candidate(given, given.parent, "not a regular file")
