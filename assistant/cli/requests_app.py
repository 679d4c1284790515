"""The `assistant requests` command group. Modules add their commands to `requests_app` on import
(`requests_qualify`: qualify, eval; the workflow's module: its own commands)."""

from __future__ import annotations

import typer

from assistant.cli.app import app

requests_app = typer.Typer(help="Demandes des usagers : qualification, routage, réponses.", no_args_is_help=True)
app.add_typer(requests_app, name="requests")
