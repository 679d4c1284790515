"""The admin page in Chromium, behind the real development IdP, with a real worker process (hashing
embeddings): an admin ingests a small folder with one broken file, sees the progress reach the total and the
failure with its reason, fixes the file, re-runs it and sees it succeed, then cancels a longer ingestion.
An agent opening /admin gets the French 403 page."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import BrowserContext, Page, expect

from assistant.api.app import create_app
from assistant.api.services import build_services
from assistant.config import load_settings
from assistant.llm.fake import FakeChatModel
from assistant.runtime import Runtime
from tests.fakes import HashingEmbeddings
from tests.support.dev_idp import DevIdp, dev_idp_unavailable_reason, start_dev_idp
from tests.support.jobs import WorkerProcess, job_environment, running_worker, write_folder
from tests.web.conftest import CHROMIUM
from tests.web.helpers import has_no_horizontal_scroll
from tests.web.test_accessibility import UNNAMED_CONTROLS

pytestmark = pytest.mark.browser
CLIENT_SECRET = "assistant-dev-secret"


@dataclass
class AdminServer:
    url: str
    idp: DevIdp
    imports: Path
    worker: WorkerProcess


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    if not CHROMIUM.exists():
        pytest.skip("the Debian chromium package is not installed")
    reason = dev_idp_unavailable_reason()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("ingestion.parsers")
    tmp = tmp_path_factory.mktemp("admin")
    imports = tmp / "imports"
    write_folder(imports / "petit", 3)
    (imports / "petit" / "vide.txt").write_bytes(b"")  # an empty file: no text, the ingestion says so
    write_folder(imports / "long", 400)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    idp = start_dev_idp(client_secret=CLIENT_SECRET, redirect_uris=[f"{url}/auth/callback"],
                        post_logout_redirect_uris=[f"{url}/"])
    env = job_environment(tmp)  # the worker's data dir is the app's: tmp / "data"
    settings = load_settings(
        environ={"ASSISTANT_DATA_DIR": env["ASSISTANT_DATA_DIR"]}, profile="development",
        admin={"ingest_roots": [str(imports)]},
        auth={"mode": "oidc", "session": {"cookie_secure": False},
              "oidc": {"server_url": idp.server_url, "realm": idp.realm, "client_id": idp.client_id,
                       "client_secret": CLIENT_SECRET, "public_url": url}})
    runtime = Runtime(settings)
    services = build_services(runtime, model=FakeChatModel(lambda messages: "—"), embeddings=HashingEmbeddings())
    server = uvicorn.Server(uvicorn.Config(create_app(settings, services=services), log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    try:
        with running_worker(env, tmp / "worker.log") as worker:
            thread.start()
            deadline = time.monotonic() + 30
            while not server.started:
                assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.05)
            yield AdminServer(url, idp, imports, worker)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        runtime.close()
        idp.stop()


@pytest.fixture
def admin_page(browser_context: BrowserContext, admin_server: AdminServer) -> Iterator[Page]:
    browser_context.clear_cookies()  # the context is shared with the other browser tests
    page = browser_context.new_page()
    yield page
    page.close()
    browser_context.clear_cookies()


def _log_in(page: Page, idp: DevIdp, username: str, password: str) -> None:
    expect(page).to_have_url(re.compile("^" + re.escape(idp.issuer) + "/"))
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#kc-login").click()


def _start(page: Page, folder: Path, collection: str, groups: str = "") -> None:
    page.get_by_label("Dossier sur le serveur").fill(str(folder))
    page.get_by_label("Collection", exact=True).fill(collection)
    page.get_by_label("Groupes lecteurs (nouvelle collection)").fill(groups)
    page.get_by_role("button", name="Lancer l'ingestion").click()


def test_an_admin_ingests_follows_retries_and_cancels(admin_page: Page, admin_server: AdminServer) -> None:
    page, server = admin_page, admin_server
    page.goto(server.url + "/admin")
    _log_in(page, server.idp, "admin", "admin-dev")
    expect(page).to_have_url(server.url + "/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration du corpus")
    expect(page.get_by_role("link", name="Administration")).to_be_visible()
    expect(page.locator("#folder-hint")).to_contain_text(str(server.imports.resolve()))

    # Outside the allowed roots: refused, in French, naming them.
    _start(page, Path("/etc"), "urbanisme", "urbanisme")
    expect(page.locator("#ingest-error")).to_contain_text("dossier refusé")
    expect(page.locator("#ingest-error")).to_contain_text(str(server.imports.resolve()))

    # Four files, one of them empty: progress reaches the total, the failure is listed with its reason.
    _start(page, server.imports / "petit", "urbanisme", "urbanisme")
    expect(page.locator("#ingest-error")).to_be_hidden()
    panel = page.locator("#job")
    expect(panel.locator("#job-state")).to_have_text("Terminée", timeout=120_000)
    expect(panel.locator("#job-count")).to_have_text("4 / 4 fichiers traités")
    assert page.locator("#job-progress").evaluate("node => node.value === node.max && node.max === 4")
    expect(panel.locator("#failures-count")).to_have_text("1")
    failure = panel.locator("#failures li")
    expect(failure.locator(".failure__path")).to_have_text(str((server.imports / "petit" / "vide.txt").resolve()))
    assert failure.locator(".failure__reason").inner_text().strip() not in ("", "raison inconnue")
    row = page.locator("#collections-body tr", has=page.get_by_role("rowheader", name="urbanisme"))
    expect(row).to_contain_text("3")
    assert has_no_horizontal_scroll(page) and page.evaluate(UNNAMED_CONTROLS) == []
    page.screenshot(path="/tmp/ui-admin.png", full_page=True)

    # Fixed on disk, then re-run: only that file, and it succeeds.
    (server.imports / "petit" / "vide.txt").write_text(
        "Le service urbanisme instruit les permis de construire en deux mois.\n", encoding="utf-8")
    page.get_by_role("button", name="Relancer les fichiers en échec").click()
    expect(page.locator("#job-title")).to_contain_text("relance des échecs")
    expect(panel.locator("#job-state")).to_have_text("Terminée", timeout=120_000)
    expect(panel.locator("#job-count")).to_have_text("1 / 1 fichiers traités")
    expect(panel.locator("#failures-count")).to_have_text("0")
    expect(panel.locator("#failures-empty")).to_be_visible()
    expect(row.locator("td").nth(1)).to_have_text("4")

    # A longer one (an existing collection: its readers are kept): followed live, then cancelled.
    _start(page, server.imports / "long", "urbanisme")
    expect(panel.locator("#job-state")).to_have_text("En cours", timeout=120_000)
    expect(panel.locator("#job-current")).to_contain_text(str(server.imports.resolve() / "long"))
    expect(panel.locator("#job-eta")).to_contain_text("environ")
    expect(panel.locator("#job-count")).to_contain_text("/ 400 fichiers traités")
    page.get_by_role("button", name="Annuler l'ingestion").click()
    expect(panel.locator("#job-state")).to_have_text("Annulée", timeout=120_000)
    done = int(panel.locator("#job-count").inner_text().split(" / ")[0])
    assert done < 400, server.worker.output()
    expect(panel.locator("#job-error")).to_contain_text("annulée")
    expect(page.get_by_role("button", name="Annuler l'ingestion")).to_be_hidden()
    expect(page.locator("#recent li")).to_have_count(3)


def test_an_agent_gets_the_french_403_page(admin_page: Page, admin_server: AdminServer) -> None:
    page = admin_page
    page.goto(admin_server.url + "/admin")
    _log_in(page, admin_server.idp, "julien.bernard", "julien-dev")
    expect(page).to_have_url(admin_server.url + "/admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    expect(page.locator("main")).to_contain_text("rôle « admin » requis")
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    page.goto(admin_server.url + "/")
    expect(page.locator(".site-header__user")).to_contain_text("julien.bernard")
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
