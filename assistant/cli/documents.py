"""`assistant documents` and `assistant collections`: what is indexed, and removing it."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.cli.app import app, fail, runtime_or_exit
from assistant.collection_access import AccessChoiceError, parse_groups

documents_app = typer.Typer(help="List or remove indexed documents.", no_args_is_help=True)
collections_app = typer.Typer(help="List collections and change who may read them.", no_args_is_help=True)
app.add_typer(documents_app, name="documents")
app.add_typer(collections_app, name="collections")


@documents_app.command("list")
def list_documents(
    collection: Annotated[str | None, typer.Option("--collection", help="Only this collection.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List indexed documents."""
    rows = runtime_or_exit().knowledge.catalog.documents(collection)
    items = [
        {"id": r.id, "collection": r.collection, "title": r.title, "path": r.path, "type": r.file_type,
         "pages": r.page_count, "chunks": r.chunk_count, "ingested_at": r.ingested_at.isoformat()}
        for r in rows
    ]
    if as_json:
        typer.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    table = Table("id", "collection", "title", "type", "pages", "chunks", "path")
    for item in items:
        table.add_row(*(str(item[key]) for key in ("id", "collection", "title", "type", "pages", "chunks", "path")))
    Console().print(table)


@documents_app.command("remove")
def remove_documents(
    targets: Annotated[list[str], typer.Argument(help="Document ids or file paths.")],
    collection: Annotated[str | None, typer.Option("--collection", help="Restrict path matches.")] = None,
) -> None:
    """Remove documents from the index (the files themselves are not touched)."""
    knowledge = runtime_or_exit().knowledge
    rows = knowledge.catalog.documents(collection)
    missing = []
    for target in targets:
        matches = [r for r in rows if target in (r.id, r.path, r.source_name)]
        if not matches:
            missing.append(target)
        for row in matches:
            knowledge.remove_document(row.id)
            knowledge.refresh_lexical(row.collection)
            typer.echo(f"removed {row.id} {row.path}")
    if missing:
        raise fail(f"no indexed document matches: {', '.join(missing)}", code=1)


@collections_app.command("list")
def list_collections() -> None:
    """List collections with their groups and sizes."""
    knowledge = runtime_or_exit().knowledge
    table = Table("collection", "groups", "documents")
    for row in knowledge.catalog.collections():
        count = len(knowledge.catalog.documents(row.name))
        table.add_row(row.name, ", ".join(row.groups) or "(every agent)", str(count))
    Console().print(table)


@collections_app.command("set-groups")
def set_groups(
    name: Annotated[str, typer.Argument(help="Collection name.")],
    groups: Annotated[str | None, typer.Argument(help="Comma-separated groups (or --public).")] = None,
    public: Annotated[bool, typer.Option("--public", help="Every authenticated agent may read it.")] = False,
) -> None:
    """Change who may read a collection (no re-embedding)."""
    if public == (groups is not None):
        raise fail("pass either the groups (g1,g2) or --public (every agent may read the collection)")
    try:
        group_list = [] if public else parse_groups(groups, option="GROUPS") or []
    except AccessChoiceError as exc:
        raise fail(str(exc)) from exc
    knowledge = runtime_or_exit().knowledge
    if knowledge.catalog.collection(name) is None:
        raise fail(f"unknown collection: {name}", code=1)
    row = knowledge.set_collection_groups(name, group_list)
    typer.echo(f"{row.name}: {', '.join(row.groups) or '(every agent)'}")
