"""Upgrade a database to the latest revision, check that it is there, or show where it stands.

`upgrade_to_head` is quick when there is nothing to do (one read of `alembic_version`); otherwise it
migrates under a lock (`locking.py`), so several processes starting at once migrate once. A database
that this application's `create_all` made before migrations existed (its tables, no `alembic_version`)
is adopted: revision 0001 creates only what it lacks, and before the commit the result must match the
models, or nothing is changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TextIO

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from assistant.migrations.errors import SchemaBehind, SchemaError
from assistant.migrations.locking import migration_connection

SCRIPT_LOCATION = Path(__file__).resolve().parent
UPGRADE_COMMAND = "assistant db upgrade"
# Tables of the first release: one of them without `alembic_version` = a database `create_all` made.
_FIRST_REVISION = "0001_initial_schema"
_RELEASE_TABLES = ("collections", "documents", "chunks", "conversations", "messages", "feedback",
                   "audit_events", "web_sessions", "pending_logins")


@dataclass(frozen=True)
class Revision:
    id: str
    down: str | None
    message: str


def alembic_config(connection: Connection | None = None, url: str | None = None,
                   output: TextIO | None = None) -> Config:
    config = Config(output_buffer=output)
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    config.attributes["url"] = url
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The latest revision (one head only: two revisions with the same parent are an error here)."""
    head = _scripts().get_current_head()
    if head is None:
        raise SchemaError("no migration revision found in assistant/migrations/versions")
    return head


def history() -> list[Revision]:
    """Every revision, newest first."""
    return [Revision(script.revision, _single(script.down_revision), (script.doc or "").strip())
            for script in _scripts().walk_revisions()]


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def database_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return current_revision(connection)


def upgrade_to_head(engine: Engine) -> None:
    if database_revision(engine) == head_revision():
        return
    with migration_connection(engine) as connection:
        current = current_revision(connection)  # again: another process may have migrated meanwhile
        _check_known(current)
        adopting = current is None and _has_release_tables(connection)
        command.upgrade(alembic_config(connection), "head")
        if adopting:
            _check_matches_models(connection)


def require_head(engine: Engine) -> None:
    """Refuses (`SchemaBehind`) a database that is not at the latest revision, naming the command."""
    current = database_revision(engine)
    _check_known(current)
    head = head_revision()
    if current != head:
        raise SchemaBehind(
            f"La base de données n'est pas à jour (révision {current or 'aucune'}, attendue {head}) et "
            f"database.migrate_on_start est désactivé : appliquez les migrations avec « {UPGRADE_COMMAND} » "
            f"(après une sauvegarde), puis relancez. / The database is behind (revision {current or 'none'}, "
            f"expected {head}) and database.migrate_on_start is off: run `{UPGRADE_COMMAND}` (after a backup), "
            f"then start again.")


def upgrade_sql(engine: Engine, output: TextIO) -> None:
    """Writes the SQL that `upgrade_to_head` would run, without running it (for a DBA to review).

    A database `create_all` made is written as adopted: stamped at the first revision (as the automatic
    upgrade does once it has checked the release's tables), then upgraded from there."""
    with engine.connect() as connection:
        current = current_revision(connection)
        adopting = current is None and _has_release_tables(connection)
    _check_known(current)
    config = alembic_config(url=engine.url.render_as_string(hide_password=True), output=output)
    if adopting:
        current = _FIRST_REVISION
        output.write(f"-- Existing tables without migration history: adopted as {current}.\n")
        command.stamp(config, current, sql=True)
    command.upgrade(config, f"{current}:head" if current else "head", sql=True)


def _check_known(revision: str | None) -> None:
    if revision is not None and revision not in {script.revision for script in _scripts().walk_revisions()}:
        raise SchemaError(
            f"La base de données est à la révision {revision}, inconnue de cette version de l'assistant "
            f"(base d'une version plus récente ?) : installez cette version-là ou restaurez une sauvegarde. / "
            f"The database is at revision {revision}, unknown to this version (made by a newer one?).")


def _has_release_tables(connection: Connection) -> bool:
    existing = set(inspect(connection).get_table_names())
    return bool(existing.intersection(_RELEASE_TABLES))


def _check_matches_models(connection: Connection) -> None:
    from assistant.migrations.models import compare_options, load_models

    context = MigrationContext.configure(connection, opts=compare_options())
    differences = compare_metadata(context, load_models())
    if differences:
        raise SchemaError(
            "La base existante (sans historique de migrations) ne correspond pas au schéma attendu ; rien n'a "
            f"été modifié. / The existing database (no migration history) does not match the expected schema; "
            f"nothing was changed. Differences: {differences}")


def _single(down: str | Sequence[str] | None) -> str | None:
    return down if down is None or isinstance(down, str) else ",".join(down)
