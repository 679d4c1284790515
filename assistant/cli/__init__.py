"""The `assistant` command: ingestion, documents, search, evaluation and the HTTP service."""

from __future__ import annotations

from assistant.cli.app import app, main

__all__ = ["app", "main"]
