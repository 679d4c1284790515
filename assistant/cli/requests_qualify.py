"""`assistant requests qualify` and `assistant requests eval`: the qualifier on JSONL files of requests."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.app import fail, runtime_or_exit
from assistant.cli.requests_app import requests_app
from assistant.requests.evaluation import LabelledRequest, RequestFileError, evaluate, read_requests
from assistant.requests.factory import build_qualifier
from assistant.requests.qualification import Correction, Qualification
from assistant.requests.qualifier import TaxonomyQualifier, UnknownCategory
from assistant.requests.taxonomy import TaxonomyError

TaxonomyOption = Annotated[
    Path | None, typer.Option("--taxonomy", help="Taxonomy YAML to use instead of the configured one.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _qualifier(taxonomy: Path | None) -> TaxonomyQualifier:
    runtime = runtime_or_exit()
    try:
        if taxonomy is None:
            return runtime.requests_qualifier
        return build_qualifier(runtime.settings, runtime.embeddings, None, taxonomy.resolve())
    except TaxonomyError as exc:
        raise fail(str(exc), code=1) from exc


def qualification_dict(result: Qualification) -> dict[str, Any]:
    return asdict(result)


def _summary(number: int, result: Qualification) -> str:
    route = "À QUALIFIER" if result.needs_review else result.service
    line = f"{number:4}  {result.category} ({result.confidence:.2f}) -> {route}"
    if result.other_categories:
        line += "  + " + ", ".join(f"{o.category} ({o.confidence:.2f})" for o in result.other_categories)
    if result.urgent:
        line += "  URGENT: " + ", ".join(result.urgency_reasons)
    return line


@requests_app.command("qualify")
def qualify(
    requests: Annotated[Path, typer.Argument(help='JSONL, one {"text": ...} per line (optional "subject").')],
    taxonomy: TaxonomyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Qualify each request: category, service, confidence, urgency, fields, masked text."""
    try:
        items = read_requests(requests)
    except RequestFileError as exc:
        raise fail(str(exc), code=1) from exc
    qualifier = _qualifier(taxonomy)
    for number, item in enumerate(items, start=1):
        result = qualifier.qualify(item.text)
        typer.echo(json.dumps(qualification_dict(result), ensure_ascii=False) if as_json else _summary(number, result))


@requests_app.command("eval")
def eval_requests(
    requests: Annotated[Path, typer.Option("--requests", help='JSONL: {"text", "category", "urgent"} per line.')],
    taxonomy: TaxonomyOption = None,
    learn: Annotated[Path | None, typer.Option(
        "--learn", help='JSONL of {"text", "category"} fed as staff corrections before scoring.')] = None,
    as_json: JsonOption = False,
) -> None:
    """Accuracy on routed requests, share sent to review, per-category F1, urgent recall and precision."""
    try:
        items = read_requests(requests, labelled=True)
        corrections = read_requests(learn, labelled=True) if learn else []
    except RequestFileError as exc:
        raise fail(str(exc), code=1) from exc
    runtime = runtime_or_exit()
    try:
        qualifier = build_qualifier(runtime.settings, runtime.embeddings, None,
                                    taxonomy.resolve() if taxonomy else None)
    except TaxonomyError as exc:
        raise fail(str(exc), code=1) from exc
    _learn(qualifier, corrections)
    try:
        report = evaluate(qualifier.qualify, items, qualifier.categories)
    except RequestFileError as exc:
        raise fail(str(exc), code=1) from exc
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    _print_report(report.as_dict())


def _learn(qualifier: TaxonomyQualifier, corrections: list[LabelledRequest]) -> None:
    for item in corrections:
        try:
            qualifier.learn(Correction(item.text, str(item.category), "eval"))
        except UnknownCategory as exc:
            raise fail(str(exc), code=1) from exc


def _print_report(report: dict[str, Any]) -> None:
    for key in ("requests", "routed_accuracy", "review_share", "accuracy", "urgent_recall", "urgent_precision",
                "seconds_per_request"):
        typer.echo(f"{key:20} {report[key]}")
    typer.echo("per-category F1:")
    for category, value in sorted(report["per_category_f1"].items(), key=lambda item: item[1]):
        typer.echo(f"  {category:24} {value}")
