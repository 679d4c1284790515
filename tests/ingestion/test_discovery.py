from __future__ import annotations

import os
from pathlib import Path

from ingestion.discovery import discover


def test_walks_folders_in_order_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "x.txt").write_text("x")
    (tmp_path / "~$verrou.docx").write_text("lock")
    found = [c.path.relative_to(tmp_path).as_posix() for c in discover([tmp_path])]
    assert found == ["a.txt", "b/z.txt"]


def test_links_out_of_the_folder_are_refused(tmp_path: Path) -> None:
    corpus, secret = tmp_path / "corpus", tmp_path / "secret"
    corpus.mkdir()
    secret.mkdir()
    (secret / "passwords.txt").write_text("root:hunter2")
    (corpus / "doc.txt").write_text("ok")
    os.symlink(secret / "passwords.txt", corpus / "leak.txt")
    os.symlink(secret, corpus / "leakdir")
    os.symlink(corpus / "doc.txt", corpus / "alias.txt")
    candidates = {c.path.name: c.reason for c in discover([corpus])}
    assert candidates["doc.txt"] is None
    assert "outside" in str(candidates["leak.txt"]) and "outside" in str(candidates["leakdir"])
    assert "alias.txt" not in candidates  # covered by its target's own entry
    assert "passwords.txt" not in candidates


def test_missing_path_and_special_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    reasons = {c.path.name: c.reason for c in discover([tmp_path / "absent.pdf", tmp_path])}
    assert reasons["absent.pdf"] == "no such file or folder"
    assert "not a regular file" in str(reasons["pipe"])
