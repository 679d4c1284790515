"""A question that mixes documents and data, in the chat page in Chromium: an analyst gets the document answer
and, below it, the table of the data part with its dataset, vintage and licence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from assistant.analysis.cards import card_path_for, read_card
from assistant.api.app import create_app
from assistant.api.services import build_services
from assistant.config import load_settings
from assistant.runtime import Runtime
from tests.web.conftest import _serve
from tests.web.helpers import ask, last_answer

pytestmark = pytest.mark.browser
DATASETS = Path(__file__).resolve().parents[2] / "deploy" / "demo" / "datasets"
TABLE = DATASETS / "fallback" / "demo_territoire_2024.csv"
QUESTION = "Quel est le tarif de la piscine, et combien d'habitants compte la commune ?"


@pytest.fixture(scope="module")
def mixed_server(tmp_path_factory: pytest.TempPathFactory, browser_context: BrowserContext) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mixed-chat")
    documents = folder / "documents"
    documents.mkdir()
    (documents / "piscine.md").write_text(
        "# Piscine municipale\n\n## Tarifs\n\nL'entrée à la piscine municipale coûte 4,50 euros pour un adulte "
        "et 2,50 euros pour un enfant.\n", encoding="utf-8")
    settings = load_settings(
        environ={"ASSISTANT_DATA_DIR": str(folder / "data")}, profile="development",
        auth={"mode": "development", "dev_user": {"username": "ana", "roles": ["agent", "analyst"]}},
        analysis={"home": {"commune": "99001"}})
    runtime = Runtime(settings)
    runtime.ingestor().ingest([documents], collection="demo", public=True)
    runtime.analysis.add(TABLE, read_card(card_path_for(TABLE, DATASETS)))
    server, thread, url = _serve(create_app(settings, services=build_services(runtime)))
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    runtime.close()


def test_the_chat_shows_the_table_of_the_data_part_below_the_document_answer(
        browser_context: BrowserContext, mixed_server: str) -> None:
    page = browser_context.new_page()
    page.goto(mixed_server + "/")
    ask(page, QUESTION)
    answer = last_answer(page)
    expect(answer.locator(".answer")).to_contain_text("4,50 euros")
    data = answer.get_by_role("region", name="Données de la réponse")
    expect(data.locator("th")).to_have_text(["Territoire", "Population 2021"])
    expect(data.locator("tbody tr")).to_have_count(1)
    expect(data.locator("tbody tr")).to_contain_text("49 870")
    expect(data.get_by_role("list", name="Jeux de données")).to_contain_text("Territoire de démonstration")
    expect(answer.get_by_role("region", name="Sources de la réponse")).to_contain_text("Piscine municipale")
    page.close()
