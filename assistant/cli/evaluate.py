"""`assistant eval retrieval` (recall@1, recall@5, MRR@10) and `assistant eval answers` (annotated answers)."""

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


@eval_app.command("answers")
def eval_answers(
    annotations: Annotated[Path, typer.Option(
        "--annotations", help="YAML: questions: [{question, source, answer}] (answer copied from the source).")],
    collection: Annotated[list[str] | None, typer.Option("--collection", help="Search only here.")] = None,
    misses: Annotated[Path | None, typer.Option("--misses", help="Write the missed questions here (JSON).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Score answers (retrieval included): the extractive answer and two baselines over the same search."""
    from assistant.answer_evaluation import Baselines, evaluate_answers, load_annotations
    from assistant.api.services import build_services

    try:
        items = load_annotations(annotations)
    except (OSError, EvaluationError) as exc:
        raise fail(str(exc), code=1) from exc
    runtime = runtime_or_exit()
    services = build_services(runtime)
    report = evaluate_answers(services.chat, runtime.retrieval, Baselines(runtime.knowledge, runtime.embeddings),
                              items, collection, runtime.settings.chat.context_passages)
    if misses is not None:
        misses.write_text(json.dumps(report.misses, ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
        return
    for key, value in report.as_dict().items():
        typer.echo(f"{key:18} {value}")
