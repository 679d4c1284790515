"""Processes opening a new vector store at the same moment (the service and its worker, started together on
a fresh data directory) all open it: Chroma's schema migrations run once, not in a race."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OPENER = """
import sys, time
import chromadb  # imported before the start signal: only the opening itself is raced
from assistant.vectorstore import ChromaVectorIndex
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
index = ChromaVectorIndex(__import__("pathlib").Path(sys.argv[1]))
print(sorted(index.ids("demo")))
index.close()
"""


@pytest.mark.integration
@pytest.mark.parametrize("round_number", range(3))
def test_processes_opening_a_new_store_at_once_all_open_it(tmp_path: Path, round_number: int) -> None:
    store = tmp_path / f"chroma-{round_number}"
    start = time.time() + 8  # past every process's imports
    openers = [subprocess.Popen([sys.executable, "-c", OPENER, str(store), str(start)], cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    results = [opener.communicate(timeout=180) for opener in openers]
    for opener, (stdout, stderr) in zip(openers, results, strict=True):
        assert opener.returncode == 0, stderr[-2000:]
        assert stdout.strip() == "[]"
