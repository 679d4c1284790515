"""The originals store: the exact bytes of every ingested file, content-addressed, in the data directory.

Downloads serve these copies, never the ingested folders: a file replaced there after ingestion (by a
symbolic link to /etc/shadow, say) is not what was indexed and is never followed. A copy lives at
`originals/<first two hex digits>/<sha256>`; identical files share it. It is written once, atomically
(temporary file, fsync, hard link into place), and read-only afterwards. The page images rendered for
the viewer live beside it (`<sha256>.pages/`) and go with it.

Files are staged under `originals/.staging/<random>/<original name>`, a hard link to the copy, so that
parsers (which read the extension of text formats and the name for a title) parse the copy itself.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_BLOCK = 1 << 20
_DIGEST = re.compile(r"[0-9a-f]{64}")
_STAGING = ".staging"
_PAGES_SUFFIX = ".pages"


class OriginalNotStored(OSError):
    """The copy could not be written (disk full, unreadable source...): nothing half-written is left."""


class UnsafeSource(OSError):
    """The source path goes through a symbolic link or is not a regular file."""


@dataclass(frozen=True)
class StagedOriginal:
    """A file just copied into the store: its digest and size, and a staged name to parse it from."""

    digest: str
    size: int
    path: Path

    def discard(self) -> None:
        """Remove the staged name (the copy itself stays until no document references it)."""
        shutil.rmtree(self.path.parent, ignore_errors=True)


def open_no_follow(path: Path) -> int:
    """A read-only descriptor on `path`, refusing a symbolic link in any component and any non-regular file."""
    if not path.is_absolute():
        raise UnsafeSource(errno.EINVAL, "not an absolute path", str(path))
    directory = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in path.parts[1:-1]:
            following = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory)
            os.close(directory)
            directory = following
        fd = os.open(path.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=directory)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise UnsafeSource(exc.errno, "symbolic link in the path", str(path)) from exc
        raise
    finally:
        os.close(directory)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafeSource(errno.EINVAL, "not a regular file", str(path))
    return fd


def _write_block(fd: int, block: memoryview) -> None:
    while block:
        block = block[os.write(fd, block):]


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class OriginalsStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str) -> Path:
        if not _DIGEST.fullmatch(digest):
            raise ValueError(f"not a SHA-256 digest: {digest!r}")
        return self.root / digest[:2] / digest

    def has(self, digest: str) -> bool:
        return _DIGEST.fullmatch(digest) is not None and self.path_for(digest).is_file()

    def pages_dir(self, digest: str) -> Path:
        """Where the viewer's images of this copy's pages are cached."""
        return self.path_for(digest).with_name(digest + _PAGES_SUFFIX)

    def stage(self, source: Path, name: str | None = None) -> StagedOriginal:
        """Copy `source` (never through a link) into the store, hashing the very bytes copied."""
        try:
            fd = open_no_follow(source)
        except OSError as exc:
            raise OriginalNotStored(exc.errno, f"cannot read the file: {exc.strerror or exc}") from exc
        try:
            return self.stage_from(fd, name or source.name)
        finally:
            os.close(fd)

    def stage_from(self, source_fd: int, name: str) -> StagedOriginal:
        staging = self.root / _STAGING / uuid.uuid4().hex
        staged = staging / (Path(name).name or "original")
        try:
            staging.mkdir(parents=True)
            digest, size = self._copy(source_fd, staged)
            self._link_into_place(staged, digest)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, OriginalNotStored):
                raise
            what = "disk full" if exc.errno == errno.ENOSPC else "cannot store the original"
            raise OriginalNotStored(exc.errno, f"{what}: the copy of the original in the data directory "
                                    f"failed ({exc.strerror or exc}); nothing was kept") from exc
        return StagedOriginal(digest, size, staged)

    @staticmethod
    def _copy(source_fd: int, target: Path) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
        try:
            while block := os.read(source_fd, _BLOCK):
                digest.update(block)
                size += len(block)
                _write_block(out, memoryview(block))
            os.fsync(out)
        finally:
            os.close(out)
        return digest.hexdigest(), size

    def _link_into_place(self, staged: Path, digest: str) -> None:
        final = self.path_for(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(staged, final)  # atomic; the staged file was complete and synced before
        except FileExistsError:
            os.utime(final)  # an identical copy exists: keep it, fresh for `sweep`
            return
        _fsync_directory(final.parent)

    def keep(self, staged: StagedOriginal) -> None:
        """Put the copy back in place if a concurrent sweep deleted it before its document was committed."""
        if not self.path_for(staged.digest).is_file():
            self._link_into_place(staged.path, staged.digest)

    def remove(self, digest: str) -> None:
        """Delete a copy and its page images (call it only when no document references the digest)."""
        with contextlib.suppress(FileNotFoundError):
            self.path_for(digest).unlink()
        shutil.rmtree(self.pages_dir(digest), ignore_errors=True)

    def digests(self) -> set[str]:
        if not self.root.is_dir():
            return set()
        return {entry.name for shard in self.root.iterdir() if shard.is_dir() and shard.name != _STAGING
                for entry in shard.iterdir() if _DIGEST.fullmatch(entry.name)}

    def sweep(self, referenced: Iterable[str], grace_s: float) -> list[str]:
        """Delete copies no document references, and staging leftovers, older than `grace_s` (after a crash).

        The grace period spares an ingestion running in another process, whose copy is not committed yet."""
        keep, cutoff = set(referenced), time.time() - grace_s
        removed = [digest for digest in sorted(self.digests() - keep)
                   if self._older(self.path_for(digest), cutoff)]
        for digest in removed:
            self.remove(digest)
        staging = self.root / _STAGING
        for leftover in staging.iterdir() if staging.is_dir() else []:
            if self._older(leftover, cutoff):
                shutil.rmtree(leftover, ignore_errors=True)
        return removed

    @staticmethod
    def _older(path: Path, cutoff: float) -> bool:
        try:
            return path.lstat().st_mtime < cutoff
        except FileNotFoundError:
            return False
