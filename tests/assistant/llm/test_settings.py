import pytest
from pydantic import ValidationError

from assistant.llm.settings import LLMSettings, is_capable, resolve_answer_mode


def test_defaults_run_the_bundled_model_in_process() -> None:
    settings = LLMSettings()
    assert (settings.backend, settings.model, settings.n_ctx, settings.n_threads) == (
        "llama-cpp", "bundled:smollm2", 2048, None)
    assert (settings.concurrency, settings.max_queue, settings.max_answer_tokens) == (1, 8, 384)


def test_every_field_is_described() -> None:
    assert all(field.description for field in LLMSettings.model_fields.values())


def test_unknown_keys_are_refused_and_settings_are_frozen() -> None:
    with pytest.raises(ValidationError, match="extra"):
        LLMSettings.model_validate({"modle": "x.gguf"})
    with pytest.raises(ValidationError):
        LLMSettings().temperature = 1.0


def test_remote_backend_needs_url_and_model_name() -> None:
    with pytest.raises(ValidationError, match="base_url and remote_model"):
        LLMSettings(backend="openai-compatible")
    LLMSettings(backend="openai-compatible", base_url="http://127.0.0.1:8080/v1", remote_model="m")


def test_api_key_is_not_shown() -> None:
    settings = LLMSettings(api_key="sk-very-secret")  # type: ignore[arg-type]
    assert "sk-very-secret" not in repr(settings)
    assert "sk-very-secret" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("overrides", "requested", "expected"),
    [
        ({}, None, "extractive"),
        ({}, "auto", "extractive"),
        ({}, "generative", "generative"),
        ({"model": "mistral-7b.gguf"}, None, "generative"),
        ({"capable": True}, "auto", "generative"),
        ({"model": "big.gguf", "capable": False}, None, "extractive"),
        ({"model": "big.gguf", "answer_mode_default": "extractive"}, None, "extractive"),
        ({"answer_mode_default": "generative"}, "auto", "generative"),
        ({"backend": "openai-compatible", "base_url": "http://x", "remote_model": "m"}, None, "generative"),
    ],
)
def test_resolve_answer_mode(overrides: dict, requested: str | None, expected: str) -> None:
    assert resolve_answer_mode(LLMSettings(**overrides), requested) == expected  # type: ignore[arg-type]


def test_bundled_model_is_not_capable_by_default() -> None:
    assert not is_capable(LLMSettings())
    assert is_capable(LLMSettings(model="/srv/models/qwen.gguf"))
