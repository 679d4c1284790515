"""Several service processes behave like one: two real `assistant serve` processes on two loopback ports,
sharing the data directory and the database, behind the real development identity provider (real tokens,
the real login flow), with the bundled models; then `assistant serve --workers 2` on one port.

- a user's rate limit holds across both: requests alternated between them are refused exactly as when
  they all go to one;
- a document ingested by `assistant ingest` (run by an `assistant worker`) while they run is found through
  either, without restart;
- a login started on A finishes on B, its session works on both, and logout on A ends it on B.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from tests.support.dev_idp import (
    DEFAULT_USERS_FILE,
    TEST_REDIRECT_URI,
    DevIdp,
    dev_idp_unavailable_reason,
    start_dev_idp,
)
from tests.support.jobs import running_worker

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(dev_idp_unavailable_reason() is not None, reason=str(dev_idp_unavailable_reason()))]

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = str(Path(sys.executable).parent / "assistant")
SECRET = "assistant-dev-secret"
BURST = 3  # then one search a minute: nothing refills during one test
AGENTS = [f"agent{number}" for number in range(1, 6)]  # one per test, so that their limits do not mix
PASSWORDS = {"claire.martin": "claire-dev", **{agent: f"{agent}-dev" for agent in AGENTS}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Deployment:
    """The identity provider, the shared configuration and what the processes share."""

    idp: DevIdp
    env: dict[str, str]
    public_url: str
    folder: Path

    def serve(self, port: int, *options: str) -> subprocess.Popen[str]:
        return subprocess.Popen([ASSISTANT, "serve", "--port", str(port), *options], env=self.env, cwd=ROOT,
                                text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)

    def ingest(self, name: str, text: str) -> None:
        documents = self.folder / "documents"
        documents.mkdir(exist_ok=True)
        (documents / name).write_text(text, encoding="utf-8")
        with running_worker(self.env, self.folder / "worker.log", fake_embeddings=False):  # as `make run`
            done = subprocess.run([ASSISTANT, "ingest", str(documents), "--collection", "demo", "--public"],
                                  env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr

    def bearer(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.idp.login(user, PASSWORDS[user])['access_token']}"}


def wait_ready(url: str, process: subprocess.Popen[str], timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service stopped: {process.stderr.read() if process.stderr else ''}")
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} not ready after {timeout_s} s")


def stop(process: subprocess.Popen[str]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return process.wait(timeout=10)


def realm_with_agents(folder: Path) -> Path:
    realm = yaml.safe_load(DEFAULT_USERS_FILE.read_text(encoding="utf-8"))
    realm["users"] += [{"username": agent, "password": PASSWORDS[agent], "email": f"{agent}@demo.test",
                        "first_name": "Agent", "last_name": agent, "roles": ["agent"], "groups": []}
                       for agent in AGENTS]
    path = folder / "users.yaml"
    path.write_text(yaml.safe_dump(realm, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("workers")
    public_url = f"http://127.0.0.1:{free_port()}"  # A's address: the proxy's, in production
    users = realm_with_agents(folder)
    idp = start_dev_idp(users, client_secret=SECRET, access_token_ttl=600,
                        redirect_uris=[f"{public_url}/auth/callback", TEST_REDIRECT_URI],
                        post_logout_redirect_uris=[f"{public_url}/"])
    overlay = {
        "profile": "development",
        "auth": {"mode": "oidc", "session": {"cookie_secure": False},
                 "oidc": {"server_url": idp.server_url, "realm": idp.realm, "client_id": "assistant",
                          "client_secret": SECRET, "public_url": public_url}},
        "directory": {"backend": "file", "file": str(users)},
        "rate_limits": {"search_per_minute": 1, "burst": BURST},
        "llm": {"n_threads": 1},
    }
    (folder / "overlay.yaml").write_text(yaml.safe_dump(overlay), encoding="utf-8")
    env = {**os.environ, "ASSISTANT_CONFIG": str(folder / "overlay.yaml"),
           "ASSISTANT_DATA_DIR": str(folder / "data"), "PYTHONPATH": str(ROOT)}
    yield Deployment(idp, env, public_url, folder)
    idp.stop()


@pytest.fixture(scope="module")
def pair(deployment: Deployment) -> Iterator[tuple[str, str]]:
    """Process A (on the public URL's port) and process B, started before any document exists."""
    urls = [deployment.public_url, f"http://127.0.0.1:{free_port()}"]
    processes = [deployment.serve(int(url.rsplit(":", 1)[1])) for url in urls]
    try:
        for url, process in zip(urls, processes, strict=True):
            wait_ready(url, process)
        yield urls[0], urls[1]
    finally:
        for process in processes:
            stop(process)


def statuses(urls: list[str], headers: dict[str, str], count: int) -> list[int]:
    return [httpx.get(f"{urls[n % len(urls)]}/api/search", params={"q": "horaires de la piscine"},
                      headers=headers, timeout=60).status_code for n in range(count)]


def test_a_users_rate_limit_holds_across_both_processes(deployment: Deployment, pair: tuple[str, str]) -> None:
    a, b = pair
    one_process = statuses([a], deployment.bearer("agent1"), BURST + 2)
    alternated = statuses([a, b], deployment.bearer("agent2"), BURST + 2)
    assert one_process == alternated == [200] * BURST + [429] * 2
    refused = httpx.get(f"{b}/api/search", params={"q": "piscine"}, headers=deployment.bearer("agent2"))
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert statuses([b], deployment.bearer("agent3"), 1) == [200]  # another user: their own bucket


def test_a_document_ingested_beside_them_is_found_through_both(deployment: Deployment, pair: tuple[str, str]) -> None:
    a, b = pair
    headers = deployment.bearer("agent4")
    assert httpx.get(f"{b}/api/search", params={"q": "patinoire"}, headers=headers,
                     timeout=60).json()["passages"] == []
    deployment.ingest("patinoire.md", "# Patinoire municipale\n\nLa patinoire Végapolis ouvre le samedi de 14 h "
                      "à 18 h ; l'entrée coûte 6 euros et la location de patins 3 euros.\n")
    for url in (b, a):
        started = time.monotonic()
        found = httpx.get(f"{url}/api/search", params={"q": "horaires de la patinoire le samedi"},
                          headers=headers, timeout=120).json()
        print(f"first search on {url} after the ingestion: {time.monotonic() - started:.1f} s")
        assert found["passages"][0]["source"] == "patinoire.md", url
        assert "Végapolis" in found["passages"][0]["text"]


def login(deployment: Deployment, client: httpx.Client, start_on: str, finish_on: str, user: str) -> None:
    start = client.get(f"{start_on}/auth/login")
    assert start.status_code == 302
    with deployment.idp.browser() as browser:
        callback = browser.sign_in(start.headers["location"], user, PASSWORDS[user],
                                   f"{deployment.public_url}/auth/callback")
    # The provider sends the browser to the public URL; the proxy may hand it to any process.
    finish = client.get(callback.replace(deployment.public_url, finish_on))
    assert finish.status_code == 302, finish.text


def test_a_web_session_is_the_same_on_both_and_logout_ends_it_everywhere(
        deployment: Deployment, pair: tuple[str, str]) -> None:
    a, b = pair
    with httpx.Client(timeout=30) as browser:  # one cookie jar: cookies do not depend on the port
        login(deployment, browser, start_on=a, finish_on=b, user="claire.martin")
        for url in (a, b):
            assert browser.get(f"{url}/auth/me").json()["username"] == "claire.martin", url
        assert browser.get(f"{b}/api/collections").status_code == 200
        session = browser.cookies["assistant_session"]
        done = browser.post(f"{a}/auth/logout", headers={"Origin": deployment.public_url})
        assert done.status_code == 303
        for url in (b, a):
            ended = httpx.get(f"{url}/auth/me", cookies={"assistant_session": session})
            assert ended.status_code == 401, url


def worker_pids(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children
            if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]


def test_workers_on_one_port_share_the_limits_and_stop_together(deployment: Deployment,
                                                                pair: tuple[str, str]) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    service = deployment.serve(port, "--workers", "2")
    try:
        wait_ready(url, service)
        workers = worker_pids(service.pid)
        assert len(workers) == 2
        # Each request on a new connection: whichever worker accepts it, the limit is the same.
        assert statuses([url], deployment.bearer("agent5"), BURST + 2) == [200] * BURST + [429] * 2
    finally:
        assert stop(service) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
