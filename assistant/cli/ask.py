"""`assistant ask`: the passages that answer a question, with their source, page and score."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console

from assistant.cli.app import app, fail, runtime_or_exit
from assistant.principal import Principal
from assistant.retrieval import UnknownCollection


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in French.")],
    collection: Annotated[list[str] | None, typer.Option("--collection", help="Search only here.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Passages to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Search the index and print the best passages with their sources."""
    runtime = runtime_or_exit()
    try:
        result = runtime.retrieval.search(question, Principal.operator(), collection, top_k=k)
    except UnknownCollection as exc:
        raise fail(str(exc), code=1) from exc
    if as_json:
        payload = {"question": question, "passages": [asdict(p) for p in result.passages],
                   "timings_ms": result.timings_ms}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = Console()
    if not result.passages:
        console.print("Aucun passage trouvé. Reformulez la question ou vérifiez les collections ingérées.")
    for number, passage in enumerate(result.passages, start=1):
        where = f"p. {passage.page}" if passage.page else "sans pagination"
        console.print(f"[bold][{number}] {passage.title}[/] — {passage.source}, {where}"
                      f" (score {passage.score:.4f})", highlight=False)
        if passage.section:
            console.print(f"    § {passage.section}", highlight=False)
        console.print("    " + passage.text[:600].replace("\n", "\n    "), highlight=False)
