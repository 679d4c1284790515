"""`assistant ask`: the answer to a question with its sources, or only the passages (`--passages-only`)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.console import Console

from assistant.cli.admin import lookup_or_exit, record_cli
from assistant.cli.app import app, fail, runtime_or_exit
from assistant.principal import Principal
from assistant.retrieval import UnknownCollection, passage_payload
from assistant.runtime import Runtime


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in French.")],
    collection: Annotated[list[str] | None, typer.Option("--collection", help="Search only here.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Passages to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    as_user: Annotated[str | None, typer.Option(
        "--as-user", help="Answer with exactly this user's rights (groups and roles from the directory).")] = None,
    passages_only: Annotated[bool, typer.Option(
        "--passages-only", help="Retrieval only: print the passages, generate nothing.")] = False,
    mode: Annotated[str, typer.Option(help="auto, extractive or generative.")] = "auto",
) -> None:
    """Answer a question from the indexed documents, with numbered sources (page, section, score)."""
    runtime = runtime_or_exit()
    principal = Principal.operator() if as_user is None else _principal_of(runtime, as_user)
    if not passages_only:
        answer = _answer(runtime, principal, question, collection, mode, as_json)
        if as_user is not None:
            record_cli(runtime, "ask_as_user", f"username={as_user}", collections=answer.get("collections", []),
                       retrieved=[s["document_id"] for s in answer["sources"]], question=question)
        return
    try:
        result = runtime.retrieval.search(question, principal, collection, top_k=k)
    except UnknownCollection as exc:
        raise fail(str(exc), code=1) from exc
    if as_user is not None:
        record_cli(runtime, "ask_as_user", f"username={as_user}", collections=result.collections,
                   retrieved=[passage.document_id for passage in result.passages], question=question)
    if as_json:
        payload = {"question": question, "passages": [passage_payload(p, principal) for p in result.passages],
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


def _principal_of(runtime: Runtime, username: str) -> Principal:
    _, _, principal = lookup_or_exit(runtime, username, "ask_as_user")
    if "agent" not in principal.roles:
        record_cli(runtime, "ask_as_user", f"username={username}", status=1)
        raise fail(f"'{username}' has no 'agent' role: the service would refuse their questions", code=1)
    return principal


def _answer(runtime: Runtime, principal: Principal, question: str, collections: list[str] | None, mode: str,
            as_json: bool) -> dict[str, Any]:
    from assistant.api.services import build_services
    from assistant.chat.service import ChatRequest

    if mode not in ("auto", "extractive", "generative"):
        raise fail(f"unknown mode '{mode}': auto, extractive or generative", code=2)
    services = build_services(runtime)
    request = ChatRequest(question, None, collections, mode, history=[], persist=False)  # type: ignore[arg-type]

    async def collect() -> dict[str, Any]:
        result: dict[str, Any] = {}
        async for event in services.chat.stream(principal, request):
            result.update(event.data if event.kind not in ("token", "replace", "data") else {})  # done carries data
        return result

    try:
        result = asyncio.run(collect())
    except UnknownCollection as exc:
        raise fail(str(exc), code=1) from exc
    if as_json:
        typer.echo(json.dumps({"question": question, **result}, ensure_ascii=False, indent=2, default=str))
        return result
    console = Console()
    console.print(result["answer"], highlight=False)
    console.print(f"\n[dim]mode : {result['mode']}[/]")
    for source in result["sources"]:
        where = f"p. {source['page']}" if source["page"] else "sans pagination"
        mark = "*" if source["number"] in result["citations"] else " "
        console.print(f"{mark}[{source['number']}] {source['title']} — {source['source']}, {where}", highlight=False)
    return result
