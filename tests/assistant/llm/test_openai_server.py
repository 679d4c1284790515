"""OpenAICompatibleChatModel against a real llama_cpp.server serving the bundled SmolLM2 GGUF."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from assistant.llm.base import ChatMessage, LLMError, LLMUnavailable
from assistant.llm.factory import build_chat_model
from assistant.llm.openai_compatible import OpenAICompatibleChatModel, estimate_tokens
from assistant.llm.settings import LLMSettings
from tests.assistant.llm.conftest import SERVER_KEY

pytestmark = pytest.mark.integration

QUESTION = [
    ChatMessage("system", "Tu es l'assistant d'une mairie. Réponds en français, brièvement."),
    ChatMessage("user", "À quelle heure ouvre la mairie ?"),
]


@pytest.fixture(scope="module")
def remote(llama_server: str) -> OpenAICompatibleChatModel:
    settings = LLMSettings(
        backend="openai-compatible", base_url=llama_server, remote_model="smollm2",
        api_key=SERVER_KEY, request_timeout_s=30, context_window=2048)  # type: ignore[arg-type]
    model = build_chat_model(settings, Path("models"), load=True)
    assert isinstance(model, OpenAICompatibleChatModel)
    return model


def test_streaming_yields_text_deltas(remote: OpenAICompatibleChatModel) -> None:
    deltas = list(remote.stream_chat(QUESTION, max_tokens=16, temperature=0.0))
    assert len(deltas) > 1
    assert "".join(deltas).strip()


def test_chat_returns_a_completion(remote: OpenAICompatibleChatModel) -> None:
    completion = remote.chat(QUESTION, max_tokens=16, temperature=0.0)
    assert completion.text.strip()
    assert completion.finish_reason in ("stop", "length")
    assert 0 < completion.completion_tokens <= 17
    assert remote.chat(QUESTION, max_tokens=3, temperature=0.0).finish_reason == "length"


def test_count_tokens_asks_the_server_tokenizer(remote: OpenAICompatibleChatModel, llama_model: Any) -> None:
    text = "Le conseil municipal se réunit le premier lundi du mois."
    assert remote.count_tokens(text) == llama_model.count_tokens(text)
    assert remote.count_tokens(text) != estimate_tokens(text)


def test_cancel_closes_the_stream_and_the_server_keeps_serving(remote: OpenAICompatibleChatModel) -> None:
    cancel = threading.Event()
    deltas = []
    for delta in remote.stream_chat(QUESTION, max_tokens=200, temperature=0.0, cancel=cancel):
        deltas.append(delta)
        cancel.set()
    assert len(deltas) == 1
    assert remote.chat(QUESTION, max_tokens=4, temperature=0.0).text


def test_a_prompt_longer_than_the_context_is_an_error(remote: OpenAICompatibleChatModel) -> None:
    # llama-cpp-python's server answers HTTP 200, then ends or drops the stream without an event.
    with pytest.raises(LLMError, match=r"ended unfinished|broke"):
        remote.chat([ChatMessage("user", "mairie " * 2500)], max_tokens=4, temperature=0.0)
    assert remote.chat(QUESTION, max_tokens=2, temperature=0.0).text


def test_a_wrong_key_is_refused_without_showing_any_key(llama_server: str) -> None:
    model = OpenAICompatibleChatModel(llama_server, "smollm2", api_key="wrong-key-0000", timeout_s=10)
    with pytest.raises(LLMUnavailable, match="refused the credentials") as raised:
        list(model.stream_chat(QUESTION, max_tokens=4, temperature=0.0))
    assert "wrong-key-0000" not in str(raised.value) and SERVER_KEY not in str(raised.value)
    assert llama_server.removesuffix("/v1") in str(raised.value)
