"""A question that mixes documents and data: the chat answers from the documents and adds the table answer of
the data part, for an analyst; an agent who is not an analyst gets the document answer only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.analysis.cards import card_path_for, read_card
from assistant.analysis.settings import HomeTerritory
from assistant.api.services import AppServices
from assistant.principal import Principal
from tests.assistant.analysis.conftest import DEMO, FALLBACK
from tests.assistant.api.conftest import SwitchableAuthenticator

QUESTION = "Quel est le tarif de la piscine, et combien d'habitants compte la commune ?"


def _load_demo(services: AppServices) -> None:
    """The fictional territory, whose « commune » is Démoville."""
    analysis = services.analysis
    home = HomeTerritory.model_validate({"commune": "99001"})
    analysis.settings = analysis.settings.model_copy(update={"home": home})
    analysis.add(FALLBACK, read_card(card_path_for(FALLBACK, DEMO)))


def test_an_analyst_gets_the_document_and_the_table_answers(client: TestClient, services: AppServices,
                                                            authenticator: SwitchableAuthenticator) -> None:
    _load_demo(services)
    authenticator.principal = Principal.of("ana", roles=["agent", "analyst"])
    body = client.post("/api/chat", json={"message": QUESTION, "mode": "extractive"}).json()
    assert "4,50 euros" in body["answer"]
    assert "Données : Population 2021 — Démoville : 49 870 habitants." in body["answer"]
    assert body["data"]["rows"] == [["Démoville", 49870]] and body["data"]["sql"].startswith("WITH")
    assert body["data"]["datasets"][0]["licence"]


def test_an_agent_who_is_not_an_analyst_gets_the_document_answer_only(
        client: TestClient, services: AppServices, authenticator: SwitchableAuthenticator) -> None:
    _load_demo(services)
    authenticator.principal = Principal.of("alice", roles=["agent"])
    body = client.post("/api/chat", json={"message": QUESTION, "mode": "extractive"}).json()
    assert "4,50 euros" in body["answer"] and "49 870" not in body["answer"] and body["data"] is None
