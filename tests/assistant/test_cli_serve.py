"""`assistant serve` and `make run` on a port that is already taken: a clear message naming the port."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = ROOT / ".venv" / "bin" / "assistant"


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_serve_on_a_taken_port_names_it(taken_port: int, tmp_path: Path) -> None:
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(tmp_path))
    result = subprocess.run([str(ASSISTANT), "serve", "--port", str(taken_port)], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    message = " ".join(result.stderr.split())
    assert result.returncode == 2, result.stderr
    assert f"port {taken_port} on 127.0.0.1 is already in use" in message and "--port" in message
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("variable", ["ASSISTANT_PORT", "DEV_IDP_PORT"])
def test_make_run_on_a_taken_port_names_it(taken_port: int, variable: str) -> None:
    env = dict(os.environ, ASSISTANT_PORT="0", DEV_IDP_PORT="0")
    env[variable] = str(taken_port)
    result = subprocess.run(["bash", str(ROOT / "deploy" / "run-dev.sh")], capture_output=True, text=True,
                            env=env, timeout=60, check=False)
    assert result.returncode == 1
    assert f"error: port {taken_port}" in result.stderr and f"{variable}=<port> make run" in result.stderr
