"""`assistant models check`: load the configured models and say what they are, or why they cannot load."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assistant.cli.app import app, settings_or_exit
from assistant.model_check import ModelReport, check_models

models_app = typer.Typer(help="Check the configured models (embeddings and LLM).", no_args_is_help=True)
app.add_typer(models_app, name="models")


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    return f"{size / 1e9:.2f} GB" if size >= 1e9 else f"{size / 1e6:.1f} MB"


def describe(report: ModelReport) -> str:
    parts = [f"{report.role}: {report.name} ({report.backend})", human_size(report.size_bytes)]
    if report.context_window:
        trained = f" (trained {report.trained_context})" if report.trained_context else ""
        parts.append(f"context {report.context_window} tokens{trained}")
    if report.dimension:
        parts.append(f"up to {report.max_tokens} tokens, dimension {report.dimension}")
    return ", ".join(parts) + f"\n    {report.location}"


@models_app.command("check")
def check(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Load the embedding model and the LLM of config.yaml; exit 1 naming each one that cannot load."""
    reports = check_models(settings_or_exit())
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            if report.ok:
                typer.echo(describe(report))
    failed = [r for r in reports if not r.ok]
    for report in failed:
        typer.echo(f"error: {report.role} model {report.name} ({report.location}) cannot load: {report.error}",
                   err=True)
    if failed:
        raise typer.Exit(1)
