"""`assistant eval retrieval`: recall@1, recall@5 and MRR@10 over a question file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.app import app, fail, runtime_or_exit
from assistant.evaluation import EvaluationError, evaluate, load_questions

eval_app = typer.Typer(help="Measure the assistant on question files.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("retrieval")
def eval_retrieval(
    questions: Annotated[Path, typer.Option("--questions", help='JSONL: {"question": ..., "gold": ...}')],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Depth of the ranking scored by MRR.")] = 10,
    collection: Annotated[list[str] | None, typer.Option("--collection", help="Search only here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Score retrieval: gold is a document id or a source file name."""
    try:
        items = load_questions(questions)
    except (OSError, EvaluationError) as exc:
        raise fail(str(exc), code=1) from exc
    report = evaluate(runtime_or_exit().retrieval, items, k=k, collections=collection)
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
        return
    for key, value in report.as_dict().items():
        typer.echo(f"{key:10} {value}")
