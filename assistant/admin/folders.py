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
    text = requested.strip()
    if not text:
        raise FolderRefused("indiquez le dossier à ingérer")
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise FolderRefused(f"chemin absolu attendu (par exemple {roots_text(roots).split(', ')[0]}/…) : {text}")
    resolved = path.resolve()
    inside = [root for root in allowed_roots(roots) if resolved.is_relative_to(root)]
    if not inside:
        raise FolderRefused(f"dossier refusé : {text} n'est dans aucun des dossiers autorisés "
                            f"({roots_text(roots)}, réglage admin.ingest_roots)")
    if not resolved.exists():
        raise FolderRefused(f"dossier introuvable : {resolved}")
    if not resolved.is_dir():
        raise FolderRefused(f"ce n'est pas un dossier : {resolved}")
    if not os.access(resolved, os.R_OK | os.X_OK):
        raise FolderRefused(f"dossier illisible par le serveur (droits insuffisants) : {resolved}")
    return resolved


def allowed_file(requested: str, roots: Sequence[Path], what: str = "fichier") -> Path:
    """The resolved file, or FolderRefused: the same rule as folders, for one file (a dataset, its card)."""
    text = requested.strip()
    if not text:
        raise FolderRefused(f"indiquez le {what}")
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise FolderRefused(f"chemin absolu attendu pour le {what} : {text}")
    resolved = path.resolve()
    if not any(resolved.is_relative_to(root) for root in allowed_roots(roots)):
        raise FolderRefused(f"{what} refusé : {text} n'est dans aucun des dossiers autorisés "
                            f"({roots_text(roots)}, réglage admin.ingest_roots)")
    if not resolved.is_file():
        raise FolderRefused(f"{what} introuvable : {resolved}")
    if not os.access(resolved, os.R_OK):
        raise FolderRefused(f"{what} illisible par le serveur (droits insuffisants) : {resolved}")
    return resolved


def roots_text(roots: Sequence[Path]) -> str:
    return ", ".join(str(root) for root in allowed_roots(roots))
