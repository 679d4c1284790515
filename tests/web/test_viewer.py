"""The viewer and the originals in the real Chromium: PDF pages shown as server-rendered images, a scripted
HTML or SVG never runs on the application's origin, raster images still display under the sandbox CSP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import BrowserContext, Page, expect

from assistant.api.app import create_app
from assistant.api.services import build_services
from assistant.config import load_settings
from assistant.llm.fake import FakeChatModel
from assistant.runtime import Runtime
from ingestion.pipeline import Ingestor
from tests.fakes import HashingEmbeddings
from tests.fixtures.documents import write_png, write_text_pdf
from tests.web.conftest import LiveServer, _serve

pytestmark = pytest.mark.browser

# Each would tell the server it ran, from the application's origin, with the reader's session.
SCRIPT = "<script>fetch('/test/ran?by={name}'); parent.postMessage('{name}', '*');</script>"
SCRIPTED_HTML = ("<!doctype html><html lang='fr'><body><h1>Avis d'enquête publique</h1>"
                 "<p>L'enquête publique sur le plan local d'urbanisme est ouverte.</p>"
                 + SCRIPT.format(name="html") + "</body></html>")
SCRIPTED_SVG = ("<svg xmlns='http://www.w3.org/2000/svg'><text y='20'>Logo de la commune</text>"
                + SCRIPT.format(name="svg") + "</svg>")


@pytest.fixture(scope="module")
def viewer_server(tmp_path_factory: pytest.TempPathFactory, browser_context: BrowserContext) \
        -> Iterator[tuple[LiveServer, list[str], dict[str, str]]]:
    folder = tmp_path_factory.mktemp("originaux")
    write_text_pdf(folder, [["Plan local d'urbanisme : sommaire."], ["Zone UA : hauteur maximale de 12 metres."]],
                   name="plu.pdf", title="Plan local d'urbanisme")
    write_png(folder)
    (folder / "avis.html").write_text(SCRIPTED_HTML, encoding="utf-8")
    (folder / "logo.svg").write_text(SCRIPTED_SVG, encoding="utf-8")
    settings = load_settings(environ={"ASSISTANT_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                                      "ASSISTANT_PROFILE": "development", "ASSISTANT_AUTH_MODE": "development"})
    embeddings, runtime = HashingEmbeddings(), Runtime(settings)
    Ingestor(runtime.knowledge, embeddings, settings.ingestion).ingest([folder], "urbanisme", public=True)
    app = create_app(settings, services=build_services(runtime, model=FakeChatModel(["x"]), embeddings=embeddings))
    ran: list[str] = []
    _record_scripts(app, ran)
    server, thread, url = _serve(app)
    ids = {Path(d.path).name: d.id for d in runtime.knowledge.catalog.documents()}
    yield LiveServer(url, app.state.services), ran, ids
    server.should_exit = True
    thread.join(timeout=10)
    runtime.close()


def _record_scripts(app: FastAPI, ran: list[str]) -> None:
    @app.get("/test/ran")
    def script_ran(by: str) -> dict[str, str]:
        ran.append(by)
        return {}


def test_the_cited_pdf_page_is_an_image_with_its_text_and_a_download(
        page: Page, viewer_server: tuple[LiveServer, list[str], dict[str, str]]) -> None:
    server, _, ids = viewer_server
    page.goto(f"{server.url}/documents/{ids['plu.pdf']}/view?page=2")
    image = page.get_by_role("img", name="Page 2 du document « Plan local d'urbanisme »")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") > 500
    page.get_by_text("Texte de la page 2").click()
    expect(page.locator(".viewer__page-text")).to_contain_text("Zone UA : hauteur maximale de 12 metres.")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le document original (PDF)").click()
    assert download.value.suggested_filename == "plu.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")


def test_scripted_html_and_svg_never_run(
        page: Page, viewer_server: tuple[LiveServer, list[str], dict[str, str]]) -> None:
    server, ran, ids = viewer_server
    page.goto(f"{server.url}/")
    page.evaluate("""() => { window.received = [];
                             window.addEventListener('message', (event) => window.received.push(event.data)); }""")
    for name in ("avis.html", "logo.svg"):
        with page.expect_download() as download:  # opened directly: only ever a download
            page.evaluate("url => { const link = document.createElement('a'); link.href = url; link.click(); }",
                          f"/documents/{ids[name]}/file")
        assert download.value.suggested_filename == name
    for name in ("avis.html", "logo.svg"):  # embedded in one of our pages
        page.evaluate("url => { const frame = document.createElement('iframe'); frame.src = url;"
                      " document.body.append(frame); }", f"/documents/{ids[name]}/file")
    page.wait_for_timeout(1500)
    assert page.evaluate("window.received") == [] and ran == []


def test_raster_images_still_show_under_the_sandbox(
        page: Page, viewer_server: tuple[LiveServer, list[str], dict[str, str]]) -> None:
    server, _, ids = viewer_server
    response = page.goto(f"{server.url}/documents/{ids['affiche.png']}/file")
    assert response is not None and "sandbox" in response.headers["content-security-policy"]
    assert page.evaluate("() => document.images[0].complete && document.images[0].naturalWidth") > 500
