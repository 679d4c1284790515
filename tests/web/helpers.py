"""What the browser tests do on the assistant page."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def ask(page: Page, question: str) -> None:
    field = page.get_by_label("Votre question")
    field.fill(question)
    field.press("Enter")


def last_answer(page: Page) -> Locator:
    """The latest assistant message, once finished (its mode badge arrives with the `done` event)."""
    answer = page.locator(".message--assistant").last
    expect(answer.locator(".badge")).to_be_visible()
    return answer


def has_no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))
