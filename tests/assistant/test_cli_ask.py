"""`assistant ingest` then `assistant ask` through the CLI, with the real bundled models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app, register_commands

pytestmark = pytest.mark.integration


def test_ingest_then_ask_gives_a_sourced_answer(tmp_path: Path) -> None:
    register_commands()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "piscine.md").write_text("# Tarifs de la piscine\n\nL'entrée adulte à la piscine municipale coûte "
                                     "4,50 euros. Les enfants de moins de 4 ans entrent gratuitement.\n",
                                     encoding="utf-8")
    (docs / "etat-civil.md").write_text("# Acte de naissance\n\nL'acte de naissance se demande en ligne ou au "
                                        "guichet de la mairie, gratuitement.\n", encoding="utf-8")
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    ingested = runner.invoke(app, ["ingest", str(docs), "--collection", "demo", "--public", "--inline"], env=env)
    assert ingested.exit_code == 0, ingested.output
    answered = runner.invoke(app, ["ask", "Combien coûte l'entrée adulte à la piscine ?", "--json"], env=env)
    assert answered.exit_code == 0, answered.output
    result = json.loads(answered.output)
    assert result["mode"] == "extractive" and "4,50 euros" in result["answer"]
    assert result["sources"][0]["source"] == "piscine.md" and 1 in result["citations"]
    printed = runner.invoke(app, ["ask", "Combien coûte l'entrée adulte à la piscine ?"], env=env).output
    assert "4,50 euros" in printed and "piscine.md" in printed
    failed = runner.invoke(app, ["ingest", str(tmp_path / "absent"), "--collection", "demo", "--inline"], env=env)
    assert failed.exit_code == 1 and "no such file or folder" in " ".join(failed.output.split())
