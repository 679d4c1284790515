"""The folders an admin may ingest: inside an allowed root once links and `..` are resolved, else refused in
French with the allowed roots named (and nothing told about the folder outside)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.admin.folders import FolderRefused, allowed_folder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "imports" / "urbanisme" / "2024").mkdir(parents=True)
    return tmp_path / "imports"


def test_a_folder_inside_a_root_is_returned_resolved(root: Path) -> None:
    assert allowed_folder(f"{root}/urbanisme/2024/..", [root]) == (root / "urbanisme").resolve()
    assert allowed_folder(f"  {root}  ", [root]) == root.resolve()


@pytest.mark.parametrize("requested", ["/etc", "/", "{root}/../..", "{root}/urbanisme/../../outside",
                                       "{root}2"])
def test_a_folder_outside_the_roots_is_refused_naming_them(root: Path, requested: str) -> None:
    with pytest.raises(FolderRefused) as refused:
        allowed_folder(requested.format(root=root), [root])
    assert "dossier refusé" in str(refused.value) and str(root.resolve()) in str(refused.value)
    assert "admin.ingest_roots" in str(refused.value)


def test_a_link_inside_a_root_pointing_outside_is_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "secret").mkdir()
    (root / "raccourci").symlink_to(tmp_path / "secret")
    (root / "etc").symlink_to("/etc")
    for link in ("raccourci", "etc"):
        with pytest.raises(FolderRefused, match="dossier refusé"):
            allowed_folder(str(root / link), [root])


def test_a_link_to_a_folder_inside_a_root_is_followed(root: Path) -> None:
    (root / "raccourci").symlink_to(root / "urbanisme")
    assert allowed_folder(str(root / "raccourci"), [root]) == (root / "urbanisme").resolve()


def test_missing_unreadable_relative_and_empty_folders_are_named(root: Path) -> None:
    with pytest.raises(FolderRefused, match=f"dossier introuvable : {root.resolve()}/absent"):
        allowed_folder(str(root / "absent"), [root])
    (root / "note.txt").write_text("texte", encoding="utf-8")
    with pytest.raises(FolderRefused, match="ce n'est pas un dossier"):
        allowed_folder(str(root / "note.txt"), [root])
    with pytest.raises(FolderRefused, match="chemin absolu attendu"):
        allowed_folder("urbanisme", [root])
    with pytest.raises(FolderRefused, match="indiquez le dossier"):
        allowed_folder("  ", [root])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_is_named(root: Path) -> None:
    locked = root / "verrouille"
    locked.mkdir(mode=0o000)
    try:
        with pytest.raises(FolderRefused, match=f"dossier illisible par le serveur .*{locked.name}"):
            allowed_folder(str(locked), [root])
    finally:
        locked.chmod(0o700)


def test_several_roots(root: Path, tmp_path: Path) -> None:
    other = tmp_path / "partage"
    other.mkdir()
    assert allowed_folder(str(other), [root, other]) == other.resolve()
    with pytest.raises(FolderRefused) as refused:
        allowed_folder("/etc", [root, other])
    assert f"{root.resolve()}, {other.resolve()}" in str(refused.value)
