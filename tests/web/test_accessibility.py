"""RGAA basics on the assistant page: skip link, labels, keyboard, focus, live region, no sideways scroll."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import has_no_horizontal_scroll, last_answer

pytestmark = pytest.mark.browser

UNNAMED_CONTROLS = """() => [...document.querySelectorAll('button, input, select, textarea, a[href]')]
    .filter((node) => node.offsetParent !== null)
    .filter((node) => !(node.labels && node.labels.length) && !node.getAttribute('aria-label')
                      && !node.getAttribute('aria-labelledby') && !node.textContent.trim())
    .map((node) => node.outerHTML)"""


def test_skip_link_labels_and_live_region(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    expect(page.get_by_label("dechets")).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu principal")
    expect(skip).to_be_focused()
    assert skip.evaluate("node => getComputedStyle(node).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#contenu")).to_be_focused()

    assert page.evaluate(UNNAMED_CONTROLS) == []
    expect(page.locator("#thread")).to_have_attribute("aria-live", "polite")
    assert has_no_horizontal_scroll(page)
    page.screenshot(path="/tmp/ui-home.png")
    page.set_viewport_size({"width": 390, "height": 760})  # a phone, or 350 % zoom
    assert has_no_horizontal_scroll(page)
    page.screenshot(path="/tmp/ui-narrow.png", full_page=True)


def test_everything_works_from_the_keyboard(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    expect(page.get_by_label("dechets")).to_be_visible()
    page.get_by_role("button", name="Nouvelle conversation").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "question":
            break
    page.keyboard.type("Quel est le tarif adulte de la piscine ?")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("Merci.")
    expect(page.get_by_label("Votre question")).to_have_value("Quel est le tarif adulte de la piscine ?\nMerci.")
    send = page.get_by_role("button", name="Envoyer")
    page.keyboard.press("Tab")
    expect(send).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("dechets")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_label("loisirs")).to_be_checked()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(send).to_be_focused()
    assert send.evaluate("node => getComputedStyle(node).outlineStyle") != "none"
    page.keyboard.press("Enter")
    answer = last_answer(page)
    expect(answer.locator(".source__file")).to_have_text(["piscine.md"])


def test_empty_question_is_refused_politely(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Votre question").press("Enter")
    expect(page.get_by_text("Écrivez d'abord votre question.")).to_be_visible()
    expect(page.get_by_label("Votre question")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".message")).to_have_count(0)
