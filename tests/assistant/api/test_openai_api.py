"""The OpenAI-compatible API, driven by the real `openai` SDK."""

from __future__ import annotations

import openai
import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def sdk(client: TestClient) -> openai.OpenAI:
    return openai.OpenAI(base_url="http://testserver/v1", api_key="unused-in-development", http_client=client,
                         max_retries=0)


def test_models_are_listed(sdk: openai.OpenAI) -> None:
    assert {model.id for model in sdk.models.list()} == {
        "assistant-rag", "assistant-rag-extractive", "assistant-rag-generative"}


def test_completion_carries_answer_and_sources(sdk: openai.OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model="assistant-rag-generative",
        messages=[{"role": "system", "content": "ignored"},
                  {"role": "user", "content": "Comment faire enlever des encombrants ?"}])
    assert completion.choices[0].message.content == "Les encombrants se prennent sur rendez-vous [1]. Voir aussi."
    sources = (completion.model_extra or {})["sources"]
    assert sources[0]["source"] == "dechets.pdf" and sources[0]["page"] == 2


def test_streaming_completion(sdk: openai.OpenAI) -> None:
    stream = sdk.chat.completions.create(
        model="assistant-rag-extractive", stream=True,
        messages=[{"role": "user", "content": "encombrants rendez-vous"}])
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert "01 99 00 00 00" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["sources"][0]["source"] == "dechets.pdf"


def test_unknown_model_and_forbidden_content(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        sdk.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "x"}])
    completion = sdk.chat.completions.create(
        model="assistant-rag-extractive", messages=[{"role": "user", "content": "prime annuelle catégorie C"}])
    assert "800" not in (completion.choices[0].message.content or "")
    assert all(s["collection"] == "public" for s in (completion.model_extra or {})["sources"])
