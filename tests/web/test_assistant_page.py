"""The assistant page end to end: question, streamed answer, sources, viewer, feedback, history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import ask, has_no_horizontal_scroll, last_answer

pytestmark = pytest.mark.browser

QUESTION = "Comment faire enlever des encombrants ?"


def test_question_answer_sources_viewer_feedback_and_history(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    expect(page.get_by_label("dechets")).to_be_visible()  # collections come from /api/collections

    ask(page, QUESTION)
    answer = last_answer(page)
    expect(answer.locator(".badge")).to_have_text("Réponse extractive : citations exactes des documents")
    expect(answer.locator(".answer")).to_contain_text("01 99 00 00 00")
    expect(page).to_have_url(re.compile(r"/\?conversation=\w+$"))

    first = answer.locator(".source").first
    expect(first.locator(".source__link")).to_have_text("Source 1 : Règlement de collecte des déchets")
    expect(first.locator(".source__file")).to_have_text("reglement-collecte.pdf")
    expect(first.locator(".source__page")).to_have_text("p. 2")
    expect(first.locator(".source__section")).to_have_text("Encombrants")
    expect(first.locator(".source__cited")).to_have_text("Citée dans la réponse")

    useful = answer.get_by_role("button", name="Utile", exact=True)
    useful.click()
    expect(useful).to_have_attribute("aria-pressed", "true")
    expect(answer.get_by_role("status")).to_have_text("Merci pour votre avis.")
    answer.get_by_label("Un commentaire ? (facultatif)").fill("Réponse claire, merci.")
    answer.get_by_role("button", name="Envoyer le commentaire").click()
    expect(answer.get_by_role("status")).to_have_text("Commentaire envoyé, merci.")

    assert has_no_horizontal_scroll(page)
    page.locator(".message--user").last.evaluate("node => node.scrollIntoView({block: 'start'})")
    page.screenshot(path="/tmp/ui.png")

    citation = answer.locator(".answer a.citation").first
    expect(citation).to_have_text("[1]")
    citation.click()
    expect(page).to_have_url(re.compile(r"/documents/\w+/view\?chunk=.+&page=2$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Règlement de collecte des déchets")
    expect(page.locator(".viewer__file")).to_have_text("reglement-collecte.pdf")
    expect(page.locator(".viewer__page")).to_have_text("2")
    expect(page.locator(".viewer__section")).to_have_text("Encombrants")
    expect(page.locator("mark")).to_contain_text("Les encombrants sont collectés sur rendez-vous")
    expect(page.get_by_role("img", name="Page 2 du document « Règlement de collecte des déchets »")).to_be_visible()
    original = page.get_by_role("link", name="Télécharger le document original (PDF)")
    expect(original).to_have_attribute("href", re.compile(r"^/documents/\w+/file$"))
    pdf = page.request.get(live_server.url + str(original.get_attribute("href")))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert has_no_horizontal_scroll(page)
    page.screenshot(path="/tmp/viewer.png")

    page.get_by_role("link", name="Retour à l'assistant").click()
    expect(page).to_have_url(re.compile(r"/\?conversation=\w+$"))
    page.reload()
    expect(page.locator(".conversations__link[aria-current='page']")).to_have_text(QUESTION)
    restored = last_answer(page)
    expect(restored.locator(".source__page").first).to_have_text("p. 2")
    expect(restored.get_by_role("button", name="Utile", exact=True)).to_have_attribute("aria-pressed", "true")


def test_source_link_opens_the_viewer_without_page(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    ask(page, "Quels sont les horaires d'ouverture des déchetteries ?")
    last_answer(page).locator(".source__link").first.click()
    expect(page.locator(".viewer__file")).to_have_text("dechetteries.txt")
    expect(page.locator("mark")).to_contain_text("du lundi au samedi de 9 h à 18 h")
    expect(page.get_by_role("link", name="Télécharger le document original (TXT)", exact=True)).to_be_visible()
    expect(page.get_by_role("img")).to_have_count(0)  # only PDF pages are shown as images


def test_busy_service_is_explained_and_the_question_kept(page: Page, live_server: LiveServer) -> None:
    page.route("**/api/chat/stream", lambda route: route.fulfill(
        status=503, headers={"Retry-After": "7"}, json={"detail": "le modèle est occupé, réessayez"}))
    page.goto(live_server.url + "/")
    ask(page, "Une question pendant la pointe ?")
    expect(page.get_by_role("alert")).to_have_text("Le service est très sollicité, réessayez dans 7 s.")
    expect(page.get_by_label("Votre question")).to_have_value("Une question pendant la pointe ?")
    expect(page.get_by_role("button", name="Envoyer")).to_be_enabled()


def test_new_and_deleted_conversations(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    ask(page, "Où déposer mes encombrants ?")
    last_answer(page)
    item = page.locator(".conversations__item", has_text="Où déposer mes encombrants ?")
    expect(item).to_have_count(1)

    page.get_by_role("button", name="Nouvelle conversation").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator(".message")).to_have_count(0)
    expect(page.get_by_role("heading", name="Bonjour, que cherchez-vous ?")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Supprimer la conversation « Où déposer mes encombrants ? »").click()
    expect(item).to_have_count(0)
    expect(page.get_by_role("button", name="Nouvelle conversation")).to_be_focused()
