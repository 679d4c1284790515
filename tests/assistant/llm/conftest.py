"""Shared real-model fixtures: the bundled SmolLM2 GGUF in-process and behind a real llama_cpp.server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

SERVER_KEY = "test-key-5f1c9a"
SERVER_START_TIMEOUT_S = 60


@pytest.fixture(scope="session")
def bundled_gguf() -> Path:
    pytest.importorskip("llama_cpp", reason="the `llm` extra (llama-cpp-python) is not installed")
    from assistant.llm.llama_cpp import bundled_model_path

    return bundled_model_path("smollm2")


@pytest.fixture(scope="session")
def llama_model(bundled_gguf: Path) -> Iterator[object]:
    from assistant.llm.llama_cpp import LlamaCppChatModel

    # One thread: the machines running the tests share their cores, and llama.cpp threads spin.
    model = LlamaCppChatModel(bundled_gguf, n_ctx=2048, n_threads=1)
    model.load()
    yield model
    model.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, headers={"Authorization": f"Bearer {SERVER_KEY}"}, timeout=2).is_success:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"llama_cpp.server not ready after {SERVER_START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def llama_server(bundled_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `python -m llama_cpp.server` on a free loopback port; yields its /v1 base URL."""
    pytest.importorskip("starlette_context", reason="llama_cpp.server's runtime dependencies are missing")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_gguf), "--model_alias", "smollm2",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--api_key", SERVER_KEY,
        "--n_threads", "1", "--n_threads_batch", "1",  # shared CPUs: see llama_model
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(process, f"http://127.0.0.1:{port}/v1/models", log)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
