"""Model resolution (unit) and the real bundled SmolLM2 GGUF in-process (integration)."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from assistant.llm.base import ChatMessage, ChatModel, LLMUnavailable, PromptTooLong
from assistant.llm.factory import build_chat_model
from assistant.llm.gate import ModelGate, stream_in_thread
from assistant.llm.llama_cpp import LlamaCppChatModel, check_gguf, resolve_model_path
from assistant.llm.settings import LLMSettings

QUESTION = [
    ChatMessage("system", "Tu es l'assistant d'une mairie. Réponds en français, brièvement."),
    ChatMessage("user", "Quels documents faut-il pour refaire une carte d'identité ?"),
]


def test_model_paths_are_absolute_or_relative_to_the_models_dir(tmp_path: Path) -> None:
    assert resolve_model_path("mistral.gguf", tmp_path) == tmp_path / "mistral.gguf"
    assert resolve_model_path("/srv/m.gguf", tmp_path) == Path("/srv/m.gguf")


def test_an_unknown_bundled_model_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailable, match="bundled:smollm2"):
        resolve_model_path("bundled:llama-70b", tmp_path)


def test_a_missing_or_foreign_file_is_unavailable_and_named(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailable, match=r"not found: .*absent\.gguf"):
        check_gguf(tmp_path / "absent.gguf")
    (tmp_path / "notes.gguf").write_text("pas un modèle")
    with pytest.raises(LLMUnavailable, match=r"not a GGUF model file: .*notes\.gguf"):
        check_gguf(tmp_path / "notes.gguf")


def test_the_factory_builds_without_loading_and_loads_on_request(tmp_path: Path) -> None:
    settings = LLMSettings(model="absent.gguf", n_threads=1)
    model = build_chat_model(settings, tmp_path)
    assert isinstance(model, LlamaCppChatModel) and isinstance(model, ChatModel)
    assert (model.name, model.context_window, model.n_threads) == ("absent", 2048, 1)
    with pytest.raises(LLMUnavailable, match=re.escape(str(tmp_path / "absent.gguf"))):
        build_chat_model(settings, tmp_path, load=True)



@pytest.mark.integration
def test_a_french_question_gets_a_non_empty_answer(llama_model: Any) -> None:
    completion = llama_model.chat(QUESTION, max_tokens=24, temperature=0.0)
    assert completion.text.strip()
    assert completion.finish_reason in ("stop", "length")
    assert 0 < completion.completion_tokens <= 24
    assert completion.prompt_tokens == llama_model.count_prompt_tokens(QUESTION)


@pytest.mark.integration
def test_the_chat_template_comes_from_the_gguf(llama_model: Any) -> None:
    content_tokens = sum(llama_model.count_tokens(message.content) for message in QUESTION)
    assert llama_model.count_tokens("Bonjour la mairie") > 0
    # ChatML markers (<|im_start|>role ... <|im_end|>) around each message, plus the assistant header.
    assert content_tokens + 2 * 4 < llama_model.count_prompt_tokens(QUESTION) < content_tokens + 20


@pytest.mark.integration
def test_cancel_stops_the_generation_early(llama_model: Any) -> None:
    cancel = threading.Event()
    deltas = []
    for delta in llama_model.stream_chat(QUESTION, max_tokens=200, temperature=0.0, cancel=cancel):
        deltas.append(delta)
        if len(deltas) == 3:
            cancel.set()
    assert len(deltas) == 3
    cancel.set()
    completion = llama_model.chat(QUESTION, max_tokens=50, temperature=0, cancel=cancel)
    assert completion.finish_reason == "cancelled"


@pytest.mark.integration
def test_max_tokens_ends_with_length(llama_model: Any) -> None:
    long_answer = [ChatMessage("user", "Écris un long texte sur l'histoire de la ville de Lyon.")]
    completion = llama_model.chat(long_answer, max_tokens=4, temperature=0.0)
    assert completion.finish_reason == "length"


@pytest.mark.integration
def test_a_prompt_longer_than_the_context_is_refused(bundled_gguf: Path) -> None:
    model = LlamaCppChatModel(bundled_gguf, n_ctx=256, n_threads=1)
    with pytest.raises(PromptTooLong):
        model.chat([ChatMessage("user", "mairie " * 400)], max_tokens=8, temperature=0)
    model.close()


@pytest.mark.integration
def test_a_corrupt_gguf_is_unavailable_and_named(tmp_path: Path, bundled_gguf: Path) -> None:
    truncated = tmp_path / "tronque.gguf"
    truncated.write_bytes(bundled_gguf.read_bytes()[:4096])
    with pytest.raises(LLMUnavailable, match=r"tronque\.gguf"):
        LlamaCppChatModel(truncated).load()


@pytest.mark.integration
def test_the_bundled_model_resolves_from_its_package(bundled_gguf: Path) -> None:
    assert bundled_gguf.suffix == ".gguf" and bundled_gguf.is_file()
    assert resolve_model_path("bundled:smollm2", Path("models")) == bundled_gguf


@pytest.mark.integration
def test_a_client_leaving_mid_answer_frees_the_model(llama_model: Any) -> None:
    async def scenario() -> None:
        gate, cancel = ModelGate(), threading.Event()
        async with gate.slot():
            deltas = stream_in_thread(
                llama_model, QUESTION, max_tokens=300, temperature=0.0, cancel=cancel, gate=gate)
            await anext(deltas)
            await deltas.aclose()
        assert cancel.is_set() and gate.stats.active == 0
        assert gate.stats.tokens_generated >= 1

    asyncio.run(asyncio.wait_for(scenario(), timeout=30))
    assert llama_model.chat(QUESTION, max_tokens=2, temperature=0.0).text


def _repeated_four_grams(text: str) -> float:
    words = text.split()
    grams = [tuple(words[i:i + 4]) for i in range(len(words) - 3)]
    return 1 - len(set(grams)) / max(1, len(grams))


@pytest.mark.integration
def test_the_repeat_penalty_reaches_llama_cpp_and_curbs_loops(llama_model: Any) -> None:
    messages = [
        ChatMessage("system", "Tu es l'assistant des agents de la métropole. Réponds en français, en citant les "
                              "sources [n]."),
        ChatMessage("user", "Sources :\n[1] La collecte des encombrants a lieu sur rendez-vous le mardi. Les "
                            "habitants prennent rendez-vous en ligne ou par téléphone au 01 99 00 00 00.\n[2] La "
                            "déchetterie est ouverte du lundi au samedi de 9 h à 18 h.\n\nQuestion : Comment faire "
                            "enlever un vieux canapé ?"),
    ]
    answers = {}
    for penalty in (1.0, 1.1):
        llama_model.repeat_penalty = penalty
        answers[penalty] = llama_model.chat(messages, max_tokens=200, temperature=0.0).text
    llama_model.repeat_penalty = 1.0
    assert _repeated_four_grams(answers[1.1]) < _repeated_four_grams(answers[1.0])
