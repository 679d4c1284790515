"""What the answer evaluations share: ingest a folder through the CLI, check that every annotated answer is
in the text the product indexed for its document, score with `assistant eval answers`, keep the figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from assistant.answer_evaluation import AnnotatedQuestion
from assistant.cli.app import app, register_commands
from assistant.config import load_settings
from assistant.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = Path(__file__).resolve().parent / "answers"
RESULTS = ROOT / "bench" / "results"
DEMO_CORPUS = ROOT / "deploy" / "demo" / "generated"


def run_cli(env: dict[str, str], *args: str) -> str:
    register_commands()
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def build_demo_corpus() -> Path:
    """The demo corpus as `make run` ingests it (rebuilt only when its inputs changed)."""
    subprocess.run([sys.executable, str(ROOT / "deploy" / "demo" / "build_corpus.py"), "--out", str(DEMO_CORPUS)],
                   check=True, capture_output=True, text=True)
    return DEMO_CORPUS


def ingest(data_dir: Path, folder: Path, collection: str) -> dict[str, str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    overlay = data_dir / "eval-overlay.yaml"
    # Council minutes of 3,600 elements took 298 s to parse on this loaded 2-core machine (over the 180 s default).
    overlay.write_text("ingestion:\n  parse_timeout_s: 900\n", encoding="utf-8")
    env = {"ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_CONFIG": str(overlay)}
    run_cli(env, "ingest", str(folder), "--collection", collection, "--public", "--inline")
    return env


def indexed_texts(data_dir: Path, collection: str) -> dict[str, str]:
    """Document path relative to the ingested folder's root -> its chunks' text, whitespace-normalised."""
    runtime = Runtime(load_settings(environ={"ASSISTANT_DATA_DIR": str(data_dir)}))
    try:
        knowledge = runtime.knowledge
        by_document: dict[str, list[tuple[int, str]]] = {}
        for chunk in knowledge.chunks(sorted(knowledge.catalog.chunk_ids(collection))).values():
            by_document.setdefault(chunk.document_id, []).append((chunk.ordinal, chunk.text))
        return {Path(d.path).name: " ".join(" ".join(text for _, text in sorted(by_document.get(d.id, []))).split())
                for d in knowledge.catalog.documents(collection)}
    finally:
        runtime.close()


def missing_answers(items: list[AnnotatedQuestion], texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(item.source, item.answer) for item in items if item.answer not in texts.get(Path(item.source).name, "")]


def score(env: dict[str, str], annotations: Path, name: str, scope: str) -> dict[str, float]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    misses = RESULTS / f"answers-{name}-{scope}-misses.json"
    scores = json.loads(run_cli(env, "eval", "answers", "--annotations", str(annotations), "--json",
                                "--misses", str(misses)))
    record = {"corpus": name, "scope": scope, **scores}
    (RESULTS / f"answers-{name}-{scope}.json").write_text(json.dumps(record, indent=2) + "\n")
    print(record)
    return scores
