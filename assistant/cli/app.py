"""The typer application and the options every command shares."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.config import ConfigError, Settings, load_settings
from assistant.migrations.errors import SchemaError
from assistant.runtime import Runtime

app = typer.Typer(
    help="Assistant IA souverain : ingestion, recherche et service web, sur vos serveurs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


class CliState:
    config_path: Path | None = None


state = CliState()


@app.callback()
def configure(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="config.yaml to use (default: the project's).")
    ] = None,
) -> None:
    state.config_path = config


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings(state.config_path)
    except ConfigError as exc:
        raise fail(str(exc)) from exc


def runtime_or_exit() -> Runtime:
    return Runtime(settings_or_exit())


def register_commands() -> None:
    from assistant.cli import (  # noqa: F401  (commands register on import)
        admin,
        ask,
        datasets,
        db,
        documents,
        evaluate,
        ingest,
        jobs,
        models,
        requests_qualify,
        serve,
        worker,
    )


def main() -> None:
    register_commands()
    try:
        app()
    except SchemaError as exc:  # any command that opens a database behind (migrate_on_start off) or unusable
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted: everything committed so far is kept; run the same command again")
        sys.exit(130)

