"""The territorial analysis page in Chromium: an analyst asks a question, sees the narrative, the table, the
chart (rendered on the server) and the sources, and exports the CSV; an agent without the role gets the
French 403 page. And the dataset administration page: who may read a dataset, and a file of an allowed folder
loaded by a worker while the page follows it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from assistant.analysis.cards import card_path_for, read_card
from assistant.api.app import create_app
from assistant.api.services import build_services
from assistant.config import load_settings
from assistant.jobs.handlers import job_kinds
from assistant.jobs.worker import Worker
from assistant.runtime import Runtime
from tests.web.conftest import LiveServer, _serve

pytestmark = pytest.mark.browser
DATASETS = Path(__file__).resolve().parents[2] / "deploy" / "demo" / "datasets"
TABLE = DATASETS / "fallback" / "demo_territoire_2024.csv"


@pytest.fixture(scope="module")
def analyst_server(tmp_path_factory: pytest.TempPathFactory, browser_context: BrowserContext) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("analysis-web")
    settings = load_settings(
        environ={"ASSISTANT_DATA_DIR": str(folder / "data")}, profile="development",
        auth={"mode": "development", "dev_user": {"username": "karim.haddad", "roles": ["analyst", "admin"]}},
        analysis={"home": {"epci": "299000001"}}, admin={"ingest_roots": [str(folder / "imports")]})
    runtime = Runtime(settings)
    runtime.analysis.add(TABLE, read_card(card_path_for(TABLE, DATASETS)))
    worker = Worker(runtime, runtime.job_store, runtime.job_transport, job_kinds())  # `assistant worker`'s loop
    working = threading.Thread(target=worker.run, daemon=True)
    working.start()
    server, thread, url = _serve(create_app(settings, services=build_services(runtime)))
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    worker.stop()
    working.join(timeout=30)
    runtime.close()


def test_an_analyst_asks_sees_table_chart_sources_and_exports_csv(
        browser_context: BrowserContext, analyst_server: str, tmp_path: Path) -> None:
    page = browser_context.new_page()
    page.goto(analyst_server + "/")  # an analyst who does not chat lands on the analysis page
    expect(page).to_have_url(analyst_server + "/analyse")
    expect(page.get_by_role("heading", level=1)).to_have_text("Analyse territoriale")
    page.get_by_label("Votre question").fill("Population par commune de l'agglomération")
    page.get_by_role("button", name="Calculer").first.click()
    expect(page.locator("#narrative")).to_contain_text("Démoville (49 870 habitants)")
    table = page.locator("#result-table")
    expect(table.locator("th")).to_have_text(["Commune", "Population 2021"])
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table.locator("tbody tr").first).to_contain_text("49 870")
    image = page.locator("#chart-image")
    expect(image).to_be_visible()
    assert image.get_attribute("src", timeout=5000).startswith("data:image/svg+xml;base64,")  # type: ignore[union-attr]
    assert page.evaluate("document.getElementById('chart-image').naturalWidth") > 100
    expect(page.locator("#sources")).to_contain_text("Territoire de démonstration")
    expect(page.locator("#sources")).to_contain_text("données fictives")
    expect(page.locator("#sql")).to_contain_text("demo_territoire_2024")
    page.screenshot(path="/tmp/ui-analysis.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Exporter en CSV").click()
    saved = tmp_path / "analyse.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert download.value.suggested_filename == "analyse.csv"
    assert lines[0] == "Commune;Population 2021" and lines[1] == "Démoville;49870" and len(lines) == 5
    page.close()


def test_an_unanswerable_question_says_which_data_is_needed(browser_context: BrowserContext,
                                                            analyst_server: str) -> None:
    page = browser_context.new_page()
    page.goto(analyst_server + "/analyse")
    page.get_by_label("Votre question").fill("Combien de logements sociaux à Démoville ?")
    page.get_by_label("Votre question").press("Enter")
    expect(page.locator("#narrative")).to_contain_text("Il faudrait")
    expect(page.locator("#exports")).to_be_hidden()
    page.close()


def test_an_agent_without_the_analyst_role_gets_the_french_403_page(page: Page, live_server: LiveServer) -> None:
    response = page.goto(live_server.url + "/analyse")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    expect(page.locator("main")).to_contain_text("rôle « analyst » requis")
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_the_admin_page_changes_who_may_read_a_dataset(browser_context: BrowserContext, analyst_server: str) -> None:
    page = browser_context.new_page()
    page.goto(analyst_server + "/admin/datasets")
    row = page.locator("#datasets tbody tr", has_text="demo_territoire_2024")
    expect(row).to_contain_text("Territoire de démonstration")
    row.get_by_label("Groupes lecteurs de demo_territoire_2024").fill("urbanisme")
    row.get_by_role("button", name="Enregistrer les lecteurs").click()
    expect(page.locator("#message")).to_contain_text("Lecteurs de demo_territoire_2024 enregistrés")
    asked = page.request.post(analyst_server + "/api/data/ask", data={"question": "Population de Démoville"})
    assert asked.json()["status"] == "unanswerable"  # the development analyst is in no group
    row.get_by_label("Groupes lecteurs de demo_territoire_2024").fill("")
    row.get_by_role("button", name="Enregistrer les lecteurs").click()
    expect(row.get_by_label("Groupes lecteurs de demo_territoire_2024")).to_have_value("")
    asked = page.request.post(analyst_server + "/api/data/ask", data={"question": "Population de Démoville"})
    assert asked.json()["rows"] == [["Démoville", 49870]]
    page.close()


def test_the_admin_page_loads_a_file_through_a_worker_and_refuses_one_outside(
        browser_context: BrowserContext, analyst_server: str) -> None:
    page = browser_context.new_page()
    page.goto(analyst_server + "/admin/datasets")
    roots = page.locator("main code").filter(has_text="imports")
    expect(roots).to_have_count(1)
    imports = Path(roots.inner_text())
    imports.mkdir(parents=True, exist_ok=True)
    (imports / "equipements_sportifs.csv").write_text("code;commune;equipements\n99001;Démoville;12\n"
                                                      "99002;Exempleville;3\n", encoding="utf-8")
    page.get_by_label("Chemin du fichier").fill("/etc/passwd")
    page.get_by_role("button", name="Charger").click()
    expect(page.locator("#message")).to_contain_text("n'est dans aucun des dossiers autorisés")
    expect(page.locator("#message")).to_have_class("notice notice--error")
    page.get_by_label("Chemin du fichier").fill(str(imports / "equipements_sportifs.csv"))
    page.get_by_role("button", name="Charger").click()
    expect(page.locator("#message")).to_contain_text("equipements_sportifs : chargé (2 lignes)", timeout=60_000)
    expect(page.locator("#message")).not_to_have_class("notice notice--error")
    row = page.locator("#datasets tbody tr", has_text="equipements_sportifs")
    expect(row).to_contain_text("fiche déduite, à compléter")
    assert page.request.delete(analyst_server + "/api/admin/datasets/equipements_sportifs").ok
    page.close()
