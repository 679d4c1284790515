"""The stream as the page sees it, replayed in small byte chunks by a stand-in for `fetch`.

The real server answers extractively in one token (the bundled model is too slow on CI for a
generative answer), so a canned generative stream is what shows the progressive painting, the
SSE parser across chunk boundaries and the handling of a mid-stream error.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import ask, last_answer

pytestmark = pytest.mark.browser

HOSTILE_TITLE = "Délibération <img src=x onerror=alert(1)>"
SOURCES = [
    {"number": 1, "document_id": "d1", "chunk_id": "c1", "title": "Règlement de collecte", "source": "reglement.pdf",
     "collection": "dechets", "page": 2, "section": "Encombrants", "snippet": "Les encombrants sont collectés…",
     "score": 0.03, "similarity": 0.87, "url": "/documents/d1/view?chunk=c1&page=2"},
    {"number": 2, "document_id": "d2", "chunk_id": "c2", "title": HOSTILE_TITLE, "source": "deliberation.docx",
     "collection": "dechets", "page": None, "section": "", "snippet": "<b>pas du HTML</b>",
     "score": 0.02, "similarity": 0.81, "url": "javascript:alert(1)"},
]
TOKENS = ["Les encombrants ", "sont collectés ", "sur rendez-vous ", "[1]. ", "Voir aussi [7]."]
DONE: dict[str, Any] = {"message_id": None, "conversation_id": "c-fake", "answer": "Les encombrants sont collectés sur "
        "rendez-vous [1]. Voir aussi.", "citations": [1], "mode": "generative", "grounded": True, "timings": {}}

FAKE_FETCH = """(() => {
  const sse = %s;
  const realFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    if (!url.endsWith("/api/chat/stream")) return realFetch(input, init);
    window.lastChatBody = JSON.parse(init.body);
    const bytes = new TextEncoder().encode(sse);
    let offset = 0;
    const body = new ReadableStream({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + 7));  // splits lines and UTF-8 sequences
        offset += 7;
      },
    });
    return Promise.resolve(new Response(body, {headers: {"Content-Type": "text/event-stream"}}));
  };
})();"""

WATCH_ANSWER = """() => {
  window.answerLengths = new Set();
  new MutationObserver(() => {
    const answer = document.querySelector('.message--assistant:last-child .answer');
    if (answer) window.answerLengths.add(answer.textContent.length);
  }).observe(document.getElementById('thread'), {subtree: true, childList: true, characterData: true});
}"""


def sse(events: list[tuple[str, dict[str, Any]]]) -> str:
    return "".join(f"event: {kind}\r\ndata: {json.dumps(data, ensure_ascii=False)}\r\n\r\n" for kind, data in events)


def replay(page: Page, events: list[tuple[str, dict[str, Any]]]) -> None:
    page.add_init_script(FAKE_FETCH % json.dumps(sse(events)))


def test_generative_answer_is_painted_progressively_and_safely(page: Page, live_server: LiveServer) -> None:
    meta = {"conversation_id": "c-fake", "mode": "generative", "standalone_question": "encombrants"}
    replay(page, [("meta", meta), ("sources", {"sources": SOURCES}),
                  *[("token", {"text": token}) for token in TOKENS], ("done", DONE)])
    page.goto(live_server.url + "/")
    page.get_by_label("loisirs").check()
    page.get_by_label("Type de réponse").select_option(label="Réponse rédigée")
    page.evaluate(WATCH_ANSWER)
    ask(page, "Comment faire enlever des encombrants ?")

    answer = last_answer(page)
    expect(answer.locator(".badge")).to_have_text("Réponse rédigée par le modèle")
    expect(answer.locator(".answer")).to_have_text("Les encombrants sont collectés sur rendez-vous [1]. Voir aussi.")
    expect(answer.locator(".answer a.citation")).to_have_attribute("href", "/documents/d1/view?chunk=c1&page=2")
    assert page.evaluate("window.answerLengths.size") >= 3  # painted while streaming, not all at the end
    assert page.evaluate("window.lastChatBody") == {
        "message": "Comment faire enlever des encombrants ?", "conversation_id": None,
        "collections": ["loisirs"], "mode": "generative"}

    expect(answer.locator(".source")).to_have_count(2)
    expect(answer.locator(".source--cited")).to_have_count(1)
    hostile = answer.locator(".source").nth(1)
    expect(hostile.locator(".source__link")).to_have_text(f"Source 2 : {HOSTILE_TITLE}")
    expect(hostile.locator(".source__link")).to_have_attribute("href", "#")
    expect(hostile.locator(".source__snippet")).to_have_text("<b>pas du HTML</b>")
    expect(page.locator(".thread img, .thread b")).to_have_count(0)
    expect(answer.locator(".feedback")).to_have_count(0)  # nothing was stored, nothing to rate
    page.screenshot(path="/tmp/ui-stream.png")


def test_error_in_the_middle_of_the_stream_is_explained(page: Page, live_server: LiveServer) -> None:
    replay(page, [("meta", {"conversation_id": "c-fake", "mode": "generative", "standalone_question": "q"}),
                  ("sources", {"sources": SOURCES[:1]}),
                  ("error", {"message": "le modèle est occupé, réessayez", "retry_after": 12})])
    page.goto(live_server.url + "/")
    ask(page, "Comment faire enlever des encombrants ?")
    expect(page.get_by_role("alert")).to_have_text("Le service est très sollicité, réessayez dans 12 s.")
    expect(page.locator(".message--assistant .source")).to_have_count(1)
    expect(page.get_by_role("button", name="Envoyer")).to_be_enabled()


WATCH_TEXTS = """() => {
  window.answerTexts = new Set();
  new MutationObserver(() => {
    const answer = document.querySelector('.message--assistant:last-child .answer');
    if (answer) window.answerTexts.add(answer.textContent);
  }).observe(document.getElementById('thread'), {subtree: true, childList: true, characterData: true});
}"""


def test_a_replace_event_withdraws_the_streamed_text_at_once(page: Page, live_server: LiveServer) -> None:
    """A generated answer refused by the grounding check: its text so far is replaced, before `done`."""
    replacement = "Note : la réponse rédigée par le modèle n'a pas été retenue. Voici les passages [1]."
    done = {**DONE, "answer": replacement + " (fin)", "mode": "extractive"}
    replay(page, [("meta", {"conversation_id": "c-fake", "mode": "generative", "standalone_question": "q"}),
                  ("sources", {"sources": SOURCES[:1]}), ("token", {"text": "Les encombrants sont collectés [1]. "}),
                  ("replace", {"answer": replacement, "reason": "unsupported"}), ("done", done)])
    page.goto(live_server.url + "/")
    page.evaluate(WATCH_TEXTS)
    ask(page, "Comment faire enlever des encombrants ?")
    answer = last_answer(page)
    expect(answer.locator(".answer")).to_have_text(replacement + " (fin)")
    seen = page.evaluate("[...window.answerTexts]")
    assert "Les encombrants sont collectés [1]. " in seen and replacement in seen
