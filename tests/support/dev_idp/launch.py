"""Starting the dev IdP: `node deploy/dev-idp/server.js --dev --port 0 ...`, then wait for its READY line."""

from __future__ import annotations

import collections
import os
import queue
import subprocess
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.support.dev_idp.environment import (
    DEFAULT_USERS_FILE,
    READY_PREFIX,
    REPO_ROOT,
    SERVER_JS,
    TEST_POST_LOGOUT_REDIRECT_URI,
    TEST_REDIRECT_URI,
    DevIdpError,
    dev_idp_unavailable_reason,
    node_executable,
)
from tests.support.dev_idp.server import DevIdp


def _first_client(users_file: Path) -> tuple[str, str | None]:
    doc = yaml.safe_load(users_file.read_text(encoding="utf-8")) or {}
    client = (doc.get("clients") or [{}])[0]
    return str(client.get("client_id", "assistant")), client.get("secret")


def _pump(stream: Any, sink: Any) -> None:
    for line in iter(stream.readline, ""):
        sink(line)


def _command(
    users_path: Path,
    realm: str,
    access_token_ttl: int,
    refresh_token_ttl: int | None,
    client_secret: str | None,
    redirect_uris: Iterable[str],
    post_logout_redirect_uris: Iterable[str],
    extra_args: Iterable[str],
    dev_flag: bool,
) -> list[str]:
    cmd = [
        str(node_executable()),
        str(SERVER_JS),
        *(["--dev"] if dev_flag else []),  # without it, env ASSISTANT_PROFILE=development is needed
        "--port",
        "0",
        "--users",
        str(users_path),
        "--realm",
        realm,
        "--access-token-ttl",
        str(access_token_ttl),
        "--exit-with-stdin",  # dies with us even if stop() is never called
    ]
    if refresh_token_ttl is not None:
        cmd += ["--refresh-token-ttl", str(refresh_token_ttl)]
    if client_secret is not None:
        cmd += ["--client-secret", client_secret]
    for uri in redirect_uris:
        cmd += ["--redirect-uri", uri]
    for uri in post_logout_redirect_uris:
        cmd += ["--post-logout-redirect-uri", uri]
    return cmd + list(extra_args)


def _spawn(cmd: list[str], env: Mapping[str, str] | None) -> subprocess.Popen[str]:
    proc_env = {k: v for k, v in os.environ.items() if not k.startswith("DEV_IDP_")}
    proc_env.update(env or {})
    return subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=proc_env,
        cwd=REPO_ROOT,
    )


def _wait_for_issuer(
    process: subprocess.Popen[str], stdout_lines: queue.Queue[str], stderr_lines: collections.deque[str],
    startup_timeout: float,
) -> str:
    """The issuer printed on the READY line; kills the process if it dies or stays silent too long."""
    waited = 0.0
    while True:
        try:
            line = stdout_lines.get(timeout=0.2)
        except queue.Empty:
            waited += 0.2
            if process.poll() is not None or waited >= startup_timeout:
                if process.poll() is None:
                    process.kill()
                process.wait(timeout=5)
                raise DevIdpError(
                    f"dev IdP non démarré (code {process.returncode}):\n{''.join(stderr_lines)}"
                ) from None
            continue
        if line.startswith(READY_PREFIX):
            return line[len(READY_PREFIX) :].strip()


def start_dev_idp(
    users_file: str | os.PathLike[str] = DEFAULT_USERS_FILE,
    realm: str = "demo",
    access_token_ttl: int = 300,
    *,
    refresh_token_ttl: int | None = None,
    client_secret: str | None = None,
    redirect_uris: Iterable[str] = (TEST_REDIRECT_URI,),
    post_logout_redirect_uris: Iterable[str] = (TEST_POST_LOGOUT_REDIRECT_URI,),
    extra_args: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    dev_flag: bool = True,
    startup_timeout: float = 30.0,
) -> DevIdp:
    """Launches `node deploy/dev-idp/server.js --dev --port 0 ...` and waits for its READY line."""
    reason = dev_idp_unavailable_reason()
    if reason:
        raise DevIdpError(reason)
    users_path = Path(users_file).resolve()
    client_id, yaml_secret = _first_client(users_path)
    process = _spawn(_command(users_path, realm, access_token_ttl, refresh_token_ttl, client_secret, redirect_uris,
                              post_logout_redirect_uris, extra_args, dev_flag), env)
    stderr_lines: collections.deque[str] = collections.deque(maxlen=200)
    stdout_lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stderr, stderr_lines.append), daemon=True).start()
    threading.Thread(target=_pump, args=(process.stdout, stdout_lines.put), daemon=True).start()
    return DevIdp(
        process=process,
        issuer=_wait_for_issuer(process, stdout_lines, stderr_lines, startup_timeout),
        realm=realm,
        client_id=client_id,
        client_secret=client_secret if client_secret is not None else yaml_secret,
        _stderr=stderr_lines,
    )
