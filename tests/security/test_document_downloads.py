"""Downloads serve exactly what was ingested, never run in the reader's session, and never show a server path.

Real app, real tokens from the development identity provider, a corpus really ingested from files on disk
(tests/security/downloads_app.py), then those files swapped for links, changed or removed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import RateLimitSettings
from assistant.ratelimit import RateLimiter
from tests.security.downloads_app import SCRIPTED_HTML, SECRET, URBA, Corpus, idp_with_admin_agent, ingested_corpus
from tests.support.dev_idp import DevIdp


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    """Here, the dev IdP where admin is also an urbanisme agent (replaces the package's plain one)."""
    yield from idp_with_admin_agent(tmp_path_factory)


@pytest.fixture(scope="module")
def corpus(idp: DevIdp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    yield from ingested_corpus(idp, tmp_path_factory)

Headers = dict[str, str]
PASSWORDS = {"julien.bernard": "julien-dev", "claire.martin": "claire-dev", "sophie.petit": "sophie-dev",
             "paul.durand": "paul-dev", "admin": "admin-dev"}


@pytest.fixture(scope="module")
def login(idp: DevIdp) -> Callable[..., Headers]:
    tokens: dict[tuple[str, str], str] = {}

    def bearer(username: str, kind: str = "access_token") -> Headers:
        if (username, kind) not in tokens:
            response = idp.login(username, PASSWORDS[username])
            tokens.update({(username, key): response[key] for key in ("access_token", "id_token")})
        return {"Authorization": f"Bearer {tokens[username, kind]}"}

    return bearer


def file_url(corpus: Corpus, source: str) -> str:
    return f"/documents/{corpus.id(source)}/file"


def assert_sandboxed(headers: object) -> None:
    csp = str(headers["content-security-policy"])  # type: ignore[index]
    assert re.search(r"(^|;)\s*sandbox\s*(;|$)", csp) and "default-src 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"  # type: ignore[index]


def test_a_file_swapped_for_a_link_after_ingestion_is_not_followed(corpus: Corpus, login: Callable[..., Headers]) \
        -> None:
    swapped = corpus.folder / "swap.md"
    swapped.unlink()
    swapped.symlink_to(corpus.outside)  # anyone who may write to the ingested folder could do this
    response = corpus.client.get(file_url(corpus, "swap.md"), headers=login("julien.bernard"))
    assert response.status_code == 200 and response.content == URBA["swap.md"].encode()
    assert "root:" not in response.text


def test_a_file_changed_after_ingestion_is_served_as_ingested(corpus: Corpus, login: Callable[..., Headers]) -> None:
    (corpus.folder / "plu" / "reglement.md").write_text("Contenu ajouté après l'indexation.", encoding="utf-8")
    response = corpus.client.get(file_url(corpus, "plu/reglement.md"), headers=login("julien.bernard"))
    assert response.status_code == 200 and response.content == URBA["plu/reglement.md"].encode()
    assert hashlib.sha256(response.content).hexdigest() == corpus.documents["plu/reglement.md"].content_hash


def forget_copy(corpus: Corpus, source: str) -> None:
    """As indexed by a previous release, which kept no copy of the original."""
    corpus.services.runtime.knowledge.originals.remove(corpus.documents[source].content_hash)


def test_previous_release_documents_are_checked_before_being_served(
        corpus: Corpus, login: Callable[..., Headers]) -> None:
    julien = login("julien.bernard")
    for source in ("legacy/intact.md", "legacy/lien.md", "legacy/change.md", "legacy/disparu.md"):
        forget_copy(corpus, source)
    (corpus.folder / "legacy" / "lien.md").unlink()
    (corpus.folder / "legacy" / "lien.md").symlink_to(corpus.outside)
    (corpus.folder / "legacy" / "change.md").write_text("Modifié depuis.", encoding="utf-8")
    (corpus.folder / "legacy" / "disparu.md").unlink()
    refused = {source: corpus.client.get(file_url(corpus, source), headers=julien)
               for source in ("legacy/lien.md", "legacy/change.md", "legacy/disparu.md")}
    assert {source: r.status_code for source, r in refused.items()} == \
        {"legacy/lien.md": 409, "legacy/change.md": 409, "legacy/disparu.md": 410}
    assert "remplacé" in refused["legacy/lien.md"].json()["detail"]
    assert "a changé depuis son indexation" in refused["legacy/change.md"].json()["detail"]
    assert all("root:" not in r.text for r in refused.values())
    intact = corpus.client.get(file_url(corpus, "legacy/intact.md"), headers=julien)
    assert intact.status_code == 200 and intact.content == URBA["legacy/intact.md"].encode()
    store = corpus.services.runtime.knowledge.originals
    assert store.has(corpus.documents["legacy/intact.md"].content_hash)  # adopted: served from the copy now


def test_a_link_in_a_parent_folder_is_refused_for_previous_release_documents(
        corpus: Corpus, login: Callable[..., Headers], tmp_path: Path) -> None:
    document = corpus.documents["plu/reglement.md"]
    forget_copy(corpus, "plu/reglement.md")
    elsewhere = tmp_path / "plu"
    elsewhere.mkdir()
    (elsewhere / "reglement.md").write_text(URBA["plu/reglement.md"], encoding="utf-8")  # same bytes, via a link
    os.rename(corpus.folder / "plu", tmp_path / "plu-ingested")
    (corpus.folder / "plu").symlink_to(elsewhere, target_is_directory=True)
    response = corpus.client.get(file_url(corpus, "plu/reglement.md"), headers=login("julien.bernard"))
    assert response.status_code == 409 and not corpus.services.runtime.knowledge.originals.has(document.content_hash)


def test_html_and_svg_are_attachments_that_cannot_run(corpus: Corpus, login: Callable[..., Headers]) -> None:
    julien = login("julien.bernard")
    html = corpus.client.get(file_url(corpus, "délibération.html"), headers=julien)
    assert html.status_code == 200 and html.content == SCRIPTED_HTML.encode()
    assert html.headers["content-type"] == "text/html; charset=utf-8"  # detected at ingestion
    assert html.headers["content-disposition"] == \
        "attachment; filename=\"d_lib_ration.html\"; filename*=UTF-8''d%C3%A9lib%C3%A9ration.html"
    assert_sandboxed(html.headers)
    svg = corpus.client.get(file_url(corpus, "logo.svg"), headers=julien)
    assert svg.status_code == 200 and svg.headers["content-type"] == "text/plain; charset=utf-8"  # not image/svg
    assert svg.headers["content-disposition"].startswith("attachment;")
    assert_sandboxed(svg.headers)


def test_pdfs_are_attachments_and_raster_images_inline(corpus: Corpus, login: Callable[..., Headers]) -> None:
    julien = login("julien.bernard")
    pdf = corpus.client.get(file_url(corpus, "plu.pdf"), headers=julien)
    assert pdf.content.startswith(b"%PDF-") and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert_sandboxed(pdf.headers)
    png = corpus.client.get(file_url(corpus, "affiche.png"), headers=julien)
    assert png.headers["content-type"] == "image/png" and png.headers["content-disposition"].startswith("inline;")
    assert_sandboxed(png.headers)


def test_the_cited_pdf_page_is_rendered_from_the_ingested_copy(corpus: Corpus, login: Callable[..., Headers]) -> None:
    julien, url = login("julien.bernard"), f"/documents/{corpus.id('plu.pdf')}/pages"
    (corpus.folder / "plu.pdf").write_bytes(b"%PDF-1.4 remplace")  # only the copy is ever rendered
    page = corpus.client.get(f"{url}/2.png", headers=julien)
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert page.headers["content-type"] == "image/png"
    assert_sandboxed(page.headers)
    assert corpus.client.get(f"{url}/2.png", headers=julien).content == page.content  # cached
    assert [corpus.client.get(f"{url}/{n}.png", headers=julien).status_code for n in (0, 3)] == [404, 404]
    not_pdf = f"/documents/{corpus.id('affiche.png')}/pages/1.png"
    assert corpus.client.get(not_pdf, headers=julien).status_code == 404


def test_only_readers_of_the_collection_with_an_agent_token_download(
        corpus: Corpus, login: Callable[..., Headers]) -> None:
    secret_file, secret_page = file_url(corpus, "budget.md"), f"/documents/{corpus.id('budget.md')}/pages/1.png"
    page = f"/documents/{corpus.id('plu.pdf')}/pages/1.png"
    for url in (secret_file, secret_page):
        assert corpus.client.get(url, headers=login("julien.bernard")).status_code == 404  # another group's
    assert corpus.client.get(secret_file, headers=login("claire.martin")).content == SECRET.encode()
    for url in (secret_file, page):
        assert corpus.client.get(url).status_code == 401
        assert corpus.client.get(url, headers=login("paul.durand")).status_code == 403  # no role
        assert corpus.client.get(url, headers=login("sophie.petit")).status_code == 403  # not an agent


def test_an_id_token_downloads_nothing(corpus: Corpus, login: Callable[..., Headers]) -> None:
    response = corpus.client.get(file_url(corpus, "plu.pdf"), headers=login("julien.bernard", "id_token"))
    assert response.status_code == 401 and not response.content.startswith(b"%PDF")


def test_search_shows_server_paths_to_admins_only(corpus: Corpus, login: Callable[..., Headers]) -> None:
    params = {"q": "permis de construire instruit"}
    agent = corpus.client.get("/api/search", params=params, headers=login("julien.bernard"))
    assert agent.status_code == 200 and agent.json()["passages"]
    assert all("path" not in passage for passage in agent.json()["passages"])
    assert str(corpus.folder) not in agent.text
    assert "plu/reglement.md" in {passage["source"] for passage in agent.json()["passages"]}
    admin = corpus.client.get("/api/search", params=params, headers=login("admin")).json()
    assert {p["path"] for p in admin["passages"]} >= {str(corpus.folder / "plu" / "reglement.md")}


def test_chat_sources_exports_and_the_viewer_show_no_server_path(
        corpus: Corpus, login: Callable[..., Headers]) -> None:
    julien = login("julien.bernard")
    answer = corpus.client.post("/api/chat", json={"message": "Quelle est la hauteur maximale en zone UA ?",
                                                   "mode": "extractive"}, headers=julien)
    assert answer.status_code == 200 and answer.json()["sources"]
    viewer = corpus.client.get(answer.json()["sources"][0]["url"], headers=julien)
    export = corpus.client.get("/api/me/export", headers=julien)
    for response in (answer, viewer, export):
        assert response.status_code == 200 and str(corpus.folder) not in response.text


def test_downloads_and_page_images_are_rate_limited_per_user(corpus: Corpus, login: Callable[..., Headers]) -> None:
    limits = RateLimitSettings(burst=2, download_per_minute=1)
    services = dataclasses.replace(corpus.services, limiter=RateLimiter(limits))
    with TestClient(create_app(corpus.settings, services=services)) as client:
        julien, claire = login("julien.bernard"), login("claire.martin")
        assert client.get(file_url(corpus, "délibération.html"), headers=julien).status_code == 200
        assert client.get(f"/documents/{corpus.id('plu.pdf')}/pages/1.png", headers=julien).status_code == 200
        refused = client.get(file_url(corpus, "délibération.html"), headers=julien)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert client.get(f"/documents/{corpus.id('plu.pdf')}/pages/1.png", headers=julien).status_code == 429
        assert client.get(file_url(corpus, "budget.md"), headers=claire).status_code == 200  # her own bucket
