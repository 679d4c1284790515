from __future__ import annotations

from pathlib import Path

import pytest

from tests.eval.answers_support import build_demo_corpus, ingest


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The demo corpus built and ingested (real parsers, e5) once: its data folder and the CLI environment."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    return data_dir, ingest(data_dir, build_demo_corpus(), "demo")
