"""The originals store on real files: exact, content-addressed, atomic copies that never follow a link."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from pathlib import Path

import pytest

from assistant import originals
from assistant.originals import OriginalNotStored, OriginalsStore, UnsafeSource, open_no_follow

CONTENT = "Délibération du conseil municipal : tarifs de la cantine.\n".encode() * 50


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_copy_is_exact_content_addressed_read_only_and_shared(tmp_path: Path) -> None:
    store = OriginalsStore(tmp_path / "originals")
    first, second = tmp_path / "a" / "tarifs.md", tmp_path / "b" / "copie.md"
    for path in (first, second):
        path.parent.mkdir()
        path.write_bytes(CONTENT)
    staged = store.stage(first)
    digest = hashlib.sha256(CONTENT).hexdigest()
    assert (staged.digest, staged.size) == (digest, len(CONTENT))
    copy = store.path_for(digest)
    assert copy == tmp_path / "originals" / digest[:2] / digest and copy.read_bytes() == CONTENT
    assert stat.S_IMODE(copy.stat().st_mode) == 0o444
    assert staged.path.name == "tarifs.md" and staged.path.samefile(copy)  # parsers see the original name
    staged.discard()
    assert not staged.path.exists() and copy.is_file()
    store.stage(second).discard()
    assert store.digests() == {digest} and files_under(tmp_path / "originals") == [copy]


def test_the_copy_does_not_change_when_the_source_does(tmp_path: Path) -> None:
    store = OriginalsStore(tmp_path / "originals")
    source = tmp_path / "note.txt"
    source.write_bytes(CONTENT)
    staged = store.stage(source)
    source.write_bytes(b"contenu remplace")
    assert store.path_for(staged.digest).read_bytes() == CONTENT == staged.path.read_bytes()


def test_links_are_never_followed(tmp_path: Path) -> None:
    store = OriginalsStore(tmp_path / "originals")
    secret = tmp_path / "secret"
    secret.write_text("root:$6$hash:19000:0:99999:7:::\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "lien.txt").symlink_to(secret)
    (tmp_path / "via").symlink_to(tmp_path, target_is_directory=True)
    for path in (tmp_path / "docs" / "lien.txt", tmp_path / "via" / "secret"):
        with pytest.raises(UnsafeSource):
            os.close(open_no_follow(path))
        with pytest.raises(OriginalNotStored, match="symbolic link"):
            store.stage(path)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OriginalNotStored, match="not a regular file"):
        store.stage(tmp_path / "fifo")
    assert files_under(tmp_path / "originals") == []


def test_disk_full_during_the_copy_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = OriginalsStore(tmp_path / "originals")
    source = tmp_path / "gros.txt"
    source.write_bytes(CONTENT * 100)
    written = originals._write_block

    def fill_then_fail(fd: int, block: memoryview) -> None:
        written(fd, block[: len(block) // 2])  # half of it reaches the disk, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(originals, "_write_block", fill_then_fail)
    with pytest.raises(OriginalNotStored, match="disk full") as failure:
        store.stage(source)
    assert failure.value.errno == errno.ENOSPC
    assert files_under(tmp_path / "originals") == [] and store.digests() == set()
    monkeypatch.undo()
    assert store.path_for(store.stage(source).digest).read_bytes() == CONTENT * 100


def test_sweep_removes_old_unreferenced_copies_and_staging_leftovers(tmp_path: Path) -> None:
    store = OriginalsStore(tmp_path / "originals")
    kept, orphan, young = (tmp_path / name for name in ("kept.txt", "orphan.txt", "young.txt"))
    for path in (kept, orphan, young):
        path.write_text(f"contenu de {path.name}")
    kept_copy, orphan_copy = store.stage(kept), store.stage(orphan)
    orphan_copy.discard()
    young_copy = store.stage(young)
    young_copy.discard()
    crashed = store.stage(orphan)  # a crash left this staging directory behind
    (store.pages_dir(orphan_copy.digest)).mkdir()
    long_ago = time.time() - 7200
    for path in (store.path_for(kept_copy.digest), store.path_for(orphan_copy.digest), crashed.path.parent):
        os.utime(path, (long_ago, long_ago))
    assert store.sweep({kept_copy.digest}, grace_s=3600) == [orphan_copy.digest]
    assert store.digests() == {kept_copy.digest, young_copy.digest}
    assert not crashed.path.parent.exists() and not store.pages_dir(orphan_copy.digest).exists()
    assert kept_copy.path.exists()  # a staging directory in use (recent) is left alone


def test_keep_puts_back_a_copy_swept_before_its_commit(tmp_path: Path) -> None:
    store = OriginalsStore(tmp_path / "originals")
    source = tmp_path / "arrete.txt"
    source.write_bytes(CONTENT)
    staged = store.stage(source)
    store.remove(staged.digest)
    assert not store.has(staged.digest)
    store.keep(staged)
    assert store.path_for(staged.digest).read_bytes() == CONTENT
