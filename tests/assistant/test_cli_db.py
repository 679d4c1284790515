"""`assistant db upgrade | current | history` on the configured database (SQLite and PostgreSQL), and
`assistant serve` (and any command) refusing a database that is behind when `database.migrate_on_start` is off."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app, register_commands
from assistant.database import Database
from assistant.migrations.runner import database_revision, head_revision
from tests.assistant.migrations import release

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = ROOT / ".venv" / "bin" / "assistant"
FIRST = "0001_initial_schema"


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    register_commands()
    return {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_DATABASE_URL": database_url}


def _run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(app, ["db", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _revision(url: str) -> str | None:
    database = Database(url)
    try:
        return database_revision(database.engine)
    finally:
        database.close()


def test_current_upgrade_history_on_a_release_database(env: dict[str, str], database_url: str) -> None:
    release.create_release_database(database_url)
    head = head_revision()
    assert _run(env, "current") == (f"none (no migration applied yet) (behind: head is {head}; run "
                                    f"`assistant db upgrade`)\n")
    sql = _run(env, "upgrade", "--sql")
    assert "CREATE TABLE alembic_version" in sql and f"INSERT INTO alembic_version (version_num) VALUES ('{FIRST}')" \
        in sql and "DROP TABLE IF EXISTS login_states" in sql
    assert "CREATE TABLE collections" not in sql  # adopted: its tables exist
    assert _revision(database_url) is None  # --sql only prints
    assert _run(env, "upgrade") == f"upgraded: none (no migration applied yet) -> {head}\n"
    assert _run(env, "current") == f"{head} (head)\n"
    assert _run(env, "upgrade") == f"already at {head}: nothing to do\n"
    assert _run(env, "upgrade", "--sql") == f"-- already at {head}: nothing to do\n"
    lines = _run(env, "history").splitlines()
    assert lines[0].startswith(f"* {head}  (after ") and lines[-1].startswith(f"  {FIRST}  (after nothing)  ")
    assert len(lines) >= 2


def test_upgrade_sql_from_a_revision_prints_only_what_is_pending(env: dict[str, str], database_url: str) -> None:
    Database(database_url).create_schema()
    database = Database(database_url)
    with database.engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{FIRST}'")
    database.close()
    sql = _run(env, "upgrade", "--sql")
    assert "DROP TABLE IF EXISTS login_states" in sql and "CREATE TABLE collections" not in sql
    assert _run(env, "current").startswith(f"{FIRST} (behind: head is {head_revision()}")


def test_an_unreachable_database_is_said_without_a_traceback(tmp_path: Path) -> None:
    register_commands()
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir.db"}
    result = CliRunner().invoke(app, ["db", "current"], env=env)
    assert result.exit_code == 2 and "cannot read the database" in " ".join(result.output.split())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", [["serve", "--port", "{port}"], ["collections", "list"]])
def test_a_database_behind_is_refused_when_migrate_on_start_is_off(tmp_path: Path, command: list[str]) -> None:
    url = f"sqlite:///{tmp_path / 'release.db'}"
    release.create_release_database(url)
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("database:\n  migrate_on_start: false\n", encoding="utf-8")
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(tmp_path / "data"), ASSISTANT_DATABASE_URL=url,
               ASSISTANT_CONFIG=str(overlay), PYTHONPATH=str(ROOT))
    command = [part.format(port=_free_port()) for part in command]
    result = subprocess.run([str(ASSISTANT), *command], capture_output=True, text=True, env=env, timeout=120,
                            check=False)
    message = " ".join(result.stderr.split())
    assert result.returncode == 2, result.stderr
    assert "n'est pas à jour" in message and "« assistant db upgrade »" in message and head_revision() in message
    assert "Traceback" not in result.stderr
    assert _revision(url) is None  # nothing migrated
