"""`assistant models check`: the configured models loaded for real, described, or named when they cannot load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app, register_commands

pytestmark = pytest.mark.integration


def check(tmp_path: Path, overlay: str = "") -> tuple[int, str]:
    register_commands()
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    if overlay:
        (tmp_path / "overlay.yaml").write_text(overlay, encoding="utf-8")
        env["ASSISTANT_CONFIG"] = str(tmp_path / "overlay.yaml")
    result = CliRunner().invoke(app, ["models", "check", "--json"], env=env)
    return result.exit_code, result.stdout + result.stderr


def test_the_bundled_models_load_and_are_described(tmp_path: Path) -> None:
    code, output = check(tmp_path)
    assert code == 0, output
    embeddings, llm = json.loads(output[output.index("["):])
    assert embeddings["ok"] and embeddings["dimension"] == 384 and embeddings["max_tokens"] == 512
    assert embeddings["size_bytes"] and embeddings["size_bytes"] > 10_000_000
    assert llm["ok"] and llm["name"].lower().startswith("smollm2") and llm["location"].endswith(".gguf")
    assert llm["context_window"] == 2048 and llm["trained_context"] == 8192
    assert 50_000_000 < llm["size_bytes"] < 500_000_000


def test_a_missing_gguf_is_named_and_fails(tmp_path: Path) -> None:
    code, output = check(tmp_path, f"models_dir: {tmp_path}\nllm:\n  model: absent.gguf\n")
    assert code == 1
    assert f"model file not found: {tmp_path / 'absent.gguf'}" in output


def test_a_file_that_is_not_a_gguf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.gguf").write_text("pas un modèle", encoding="utf-8")
    code, output = check(tmp_path, f"models_dir: {tmp_path}\nllm:\n  model: notes.gguf\n")
    assert code == 1 and f"not a GGUF model file: {tmp_path / 'notes.gguf'}" in output


def test_an_empty_sentence_transformers_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "e5-large").mkdir()
    code, output = check(tmp_path, f"models_dir: {tmp_path}\nembeddings:\n  backend: sentence-transformers\n"
                                   f"  model: e5-large\n")
    assert code == 1 and f"no sentence-transformers model in {tmp_path / 'e5-large'}" in output
