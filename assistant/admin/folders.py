"""Which folder an admin may ingest: resolved (symbolic links, `..`), then inside an allowed root."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class FolderRefused(ValueError):
    """The folder cannot be ingested; the message (French) names it and, if outside, the allowed roots."""


def allowed_roots(roots: Sequence[Path]) -> list[Path]:
    return [Path(root).expanduser().resolve() for root in roots]


def allowed_folder(requested: str, roots: Sequence[Path]) -> Path:
    """The resolved folder, or FolderRefused. Whether it is allowed is decided before anything about it is
    told (exists, readable): a refusal says nothing of folders outside the roots."""
    example = roots_text(roots).split(", ")[0]
    resolved = _resolved_inside(requested, roots, "dossier", "indiquez le dossier à ingérer",
                                f"chemin absolu attendu (par exemple {example}/…)")
    if not resolved.exists():
        raise FolderRefused(f"dossier introuvable : {resolved}")
    if not resolved.is_dir():
        raise FolderRefused(f"ce n'est pas un dossier : {resolved}")
    if not os.access(resolved, os.R_OK | os.X_OK):
        raise FolderRefused(f"dossier illisible par le serveur (droits insuffisants) : {resolved}")
    return resolved


def allowed_file(requested: str, roots: Sequence[Path], what: str = "fichier") -> Path:
    """The resolved file, or FolderRefused: the same rule as folders, for one file (a dataset, its card)."""
    resolved = _resolved_inside(requested, roots, what, f"indiquez le {what}", f"chemin absolu attendu pour le {what}")
    if not resolved.is_file():
        raise FolderRefused(f"{what} introuvable : {resolved}")
    if not os.access(resolved, os.R_OK):
        raise FolderRefused(f"{what} illisible par le serveur (droits insuffisants) : {resolved}")
    return resolved


def _resolved_inside(requested: str, roots: Sequence[Path], what: str, empty: str, relative: str) -> Path:
    """`requested` made absolute and resolved (symbolic links, `..`), refused unless inside an allowed root."""
    text = requested.strip()
    if not text:
        raise FolderRefused(empty)
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise FolderRefused(f"{relative} : {text}")
    resolved = path.resolve()
    if not any(resolved.is_relative_to(root) for root in allowed_roots(roots)):
        raise FolderRefused(f"{what} refusé : {text} n'est dans aucun des dossiers autorisés "
                            f"({roots_text(roots)}, réglage admin.ingest_roots)")
    return resolved


def roots_text(roots: Sequence[Path]) -> str:
    return ", ".join(str(root) for root in allowed_roots(roots))
