"""`assistant datasets add|list|show|remove|set-groups` and `assistant data ask`: the territorial analysis.

Loading is a background job that `assistant worker` runs and this command follows (`assistant/cli/datasets_job.py`);
`--inline` loads here, through the same `load_dataset`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.analysis.cards import CardError, card_path_for, read_card
from assistant.analysis.loader import DatasetAccessError
from assistant.analysis.reading import DatasetFileError
from assistant.analysis.service import AnalysisService, UnknownDataset
from assistant.cli.admin import lookup_or_exit, record_cli
from assistant.cli.app import app, fail, runtime_or_exit, settings_or_exit
from assistant.collection_access import AccessChoiceError, parse_groups
from assistant.principal import Principal

datasets_app = typer.Typer(help="Datasets of the territorial analysis (CSV, XLSX, ODS, Parquet).", no_args_is_help=True)
data_app = typer.Typer(help="Questions on the datasets: exact figures computed by DuckDB.", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")
app.add_typer(data_app, name="data")


def _service() -> AnalysisService:
    return runtime_or_exit().analysis


@datasets_app.command("add")
def add(
    paths: Annotated[list[Path], typer.Argument(help="Files to load (CSV, XLSX, ODS, Parquet).")],
    cards: Annotated[Path | None, typer.Option(
        "--cards", help="Folder of cards: FILE.csv takes DIR/FILE.yaml.")] = None,
    name: Annotated[str | None, typer.Option(
        "--name", help="Dataset name (one file only; default: the file's).")] = None,
    groups: Annotated[str | None, typer.Option("--groups", help="Groups that may read it (g1,g2).")] = None,
    public: Annotated[bool, typer.Option("--public", help="Every analyst may read it.")] = False,
    inline: Annotated[bool, typer.Option(
        "--inline", help="Load here instead of queueing a job for `assistant worker`.")] = False,
) -> None:
    """Load files into the catalogue; an unchanged file is skipped, a changed one replaces its table at once."""
    if name is not None and len(paths) > 1:
        raise fail("--name names one dataset: give one file with it")
    try:
        group_list = parse_groups(groups)
    except AccessChoiceError as exc:
        raise fail(str(exc)) from exc
    if not inline:
        from assistant.analysis.loading_job import dataset_load_payload
        from assistant.cli.admin import operator_name
        from assistant.cli.datasets_job import load_as_job

        payload = dataset_load_payload(paths, cards, name, group_list, public)
        code = load_as_job(runtime_or_exit(), payload, operator_name())
        if code:
            raise typer.Exit(code)
        return
    service, failed = _service(), 0
    for path in paths:
        try:
            card = None
            if cards is not None and card_path_for(path, cards).exists():
                card = read_card(card_path_for(path, cards))
            outcome = service.add(path, card, name, group_list, public)
        except (DatasetFileError, CardError, DatasetAccessError) as exc:
            failed += 1
            typer.echo(f"error: {exc}", err=True)
            continue
        dataset = outcome.dataset
        readers = ", ".join(dataset.groups) or "every analyst"
        typer.echo(f"{outcome.status}: {dataset.name} ({dataset.row_count} rows, readable by {readers})"
                   + (" — card inferred: complete it (assistant datasets show)" if dataset.card.inferred else ""))
        for warning in outcome.warnings:
            typer.echo(f"  warning: {warning}")
    if failed:
        raise typer.Exit(1)


@datasets_app.command("list")
def list_datasets(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Every dataset, with its readers, size, vintage and licence."""
    items = [d.summary() for d in _service().catalog.datasets()]
    if as_json:
        typer.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    table = Table("dataset", "title", "rows", "vintage", "licence", "readable by")
    for item in items:
        table.add_row(item["name"], item["title"], str(item["rows"]), item["vintage"], item["licence"],
                      ", ".join(item["groups"]) or "(every analyst)")
    Console().print(table)


@datasets_app.command("show")
def show(name: Annotated[str, typer.Argument(help="Dataset name.")]) -> None:
    """The dataset's card (YAML, to complete and pass back with --cards) and its columns."""
    dataset = _service().catalog.get(name)
    if dataset is None:
        raise fail(f"unknown dataset: {name}", code=1)
    typer.echo(f"# {dataset.name}: {dataset.row_count} rows, from {dataset.source_path}")
    typer.echo("# readable by: " + (", ".join(dataset.groups) or "every analyst"))
    if dataset.card.inferred:
        typer.echo("# card inferred from the table: complete it (title, licence, units...) and add the file again")
    typer.echo(dataset.card.as_yaml())


@datasets_app.command("remove")
def remove(names: Annotated[list[str], typer.Argument(help="Dataset names.")]) -> None:
    """Remove datasets and their tables (the files themselves are not touched)."""
    service, missing = _service(), []
    for name in names:
        try:
            typer.echo(f"removed {service.remove(name).name}")
        except UnknownDataset:
            missing.append(name)
    if missing:
        raise fail(f"unknown dataset: {', '.join(missing)}", code=1)


@datasets_app.command("set-groups")
def set_groups(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    groups: Annotated[str | None, typer.Argument(help="Comma-separated groups (or --public).")] = None,
    public: Annotated[bool, typer.Option("--public", help="Every analyst may read it.")] = False,
) -> None:
    """Change who may read a dataset."""
    if public == (groups is not None):
        raise fail("pass either the groups (g1,g2) or --public (every analyst may read the dataset)")
    try:
        wanted = [] if public else parse_groups(groups, option="GROUPS") or []
        dataset = _service().set_groups(name, wanted)
    except AccessChoiceError as exc:
        raise fail(str(exc)) from exc
    except UnknownDataset as exc:
        raise fail(f"unknown dataset: {name}", code=1) from exc
    typer.echo(f"{dataset.name}: {', '.join(dataset.groups) or '(every analyst)'}")


@data_app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="The question, in French.")],
    as_json: Annotated[bool, typer.Option("--json", help="columns, rows, sql, narrative, datasets, chart.")] = False,
    as_user: Annotated[str | None, typer.Option("--as-user", help="With exactly this user's rights.")] = None,
) -> None:
    """Answer a question from the datasets: exact figures, the SQL, the sources."""
    settings_or_exit()
    runtime = runtime_or_exit()
    principal = Principal.operator()
    if as_user is not None:
        _, _, principal = lookup_or_exit(runtime, as_user, "data_ask_as_user")
        if "analyst" not in principal.roles:
            record_cli(runtime, "data_ask_as_user", f"username={as_user}", status=1)
            raise fail(f"'{as_user}' has no 'analyst' role: the service would refuse their questions", code=1)
    answer = runtime.analysis.ask(principal, question)
    if as_user is not None:
        record_cli(runtime, "data_ask_as_user", f"username={as_user}", question=question,
                   retrieved=[d["name"] for d in answer.datasets])
    if as_json:
        typer.echo(json.dumps(answer.payload(), ensure_ascii=False, indent=2, default=str))
    else:
        _print(answer.payload())
    if answer.status != "answered":
        raise typer.Exit(1)


def _print(payload: dict[str, object]) -> None:
    console = Console()
    console.print(str(payload["narrative"]), highlight=False)
    rows = payload["rows"]
    if isinstance(rows, list) and rows:
        table = Table(*[str(c) for c in payload["columns"]])  # type: ignore[attr-defined]
        for row in rows[:50]:
            table.add_row(*("" if v is None else str(v) for v in row))
        console.print(table)
        console.print(f"[dim]SQL : {payload['sql']}[/]", highlight=False)
    for source in payload["datasets"]:  # type: ignore[attr-defined]
        console.print(f"[dim]Source : {source['title']} — {source['vintage']} — {source['licence']}[/]",
                      highlight=False)
