"""A throwaway PostgreSQL server for the tests: `initdb` in a temporary directory, started on a free
loopback port, stopped and deleted at the end. Nothing is mocked: the stores talk to a real server.

    with start_postgres() as cluster:
        url = cluster.create_database()   # postgresql+psycopg://... of a new, empty database

The server binaries come from Debian's `postgresql` package (/usr/lib/postgresql/<version>/bin, not on
PATH); `make test` installs it. PostgreSQL refuses to run as root, so under root the server runs as the
`postgres` system user (created by that package), which owns the temporary directory.
"""

from __future__ import annotations

import itertools
import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SERVER_USER = "postgres"
INSTALL_HINT = "install Debian's `postgresql` package (apt-get install postgresql; `make test` does it)"
# A test server: durability does not matter, speed does. A non-UTC zone, as a French DBA may set, shows
# any code that takes the server's timestamps for UTC ones.
_SERVER_OPTIONS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                   "-c listen_addresses=127.0.0.1 -c TimeZone=Europe/Paris")


class PostgresUnavailable(RuntimeError):
    """The server binaries or the server user are missing, or the server would not start."""


def server_bin_dir() -> Path:
    """The newest installed server's bin directory (or the one on PATH)."""
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                       key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    if installed:
        return installed[-1].parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    raise PostgresUnavailable(
        f"PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin nor on PATH: "
        f"{INSTALL_HINT}.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresCluster:
    bin_dir: Path
    base: Path
    password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    port: int = 0
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        import psycopg  # the `postgres` extra (make test installs it)

        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url().replace("+psycopg", ""), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A server program, as the server user when we are root."""
        as_user = ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []
        return subprocess.run([*as_user, str(self.bin_dir / args[0]), *args[1:]], cwd=self.base,
                              capture_output=True, text=True, timeout=120, check=False)

    def init(self) -> None:
        password_file = self.base / "password"
        password_file.write_text(self.password, encoding="utf-8")
        _give_to_server_user(self.base)
        done = self.run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=scram-sha-256",
                        f"--pwfile={password_file}", "--encoding=UTF8", "--no-locale", "--no-sync")
        password_file.unlink()
        if done.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self, attempts: int = 3) -> None:
        """Start on a free loopback port (another one if a concurrent process took it meanwhile)."""
        for _ in range(attempts):
            self.port = _free_port()
            options = f"{_SERVER_OPTIONS} -p {self.port} -c unix_socket_directories={shlex.quote(str(self.base))}"
            done = self.run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir),
                            "-l", str(self.log_file), "-o", options)
            if done.returncode == 0:
                return
        log = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
        raise PostgresUnavailable(f"PostgreSQL did not start: {done.stderr.strip()}\n{log}")

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self.run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data_dir))
        shutil.rmtree(self.base, ignore_errors=True)


def _give_to_server_user(base: Path) -> None:
    if os.geteuid() != 0:
        return
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PostgresUnavailable(f"no `{SERVER_USER}` system user to run the server: {INSTALL_HINT}") from None
    for path in (base, *base.rglob("*")):
        os.chown(path, user.pw_uid, user.pw_gid)


@contextmanager
def start_postgres() -> Iterator[PostgresCluster]:
    """A running throwaway server, stopped and deleted on exit."""
    cluster = PostgresCluster(server_bin_dir(), Path(tempfile.mkdtemp(prefix="assistant-pg-")))
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
