"""The models and the revisions agree, on both engines: a model changed without a revision fails here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, inspect

from assistant.database import NAMING_CONVENTION, Database
from assistant.migrations.locking import migration_connection
from assistant.migrations.models import compare_options, load_models
from assistant.migrations.runner import alembic_config, database_revision, head_revision


@pytest.fixture
def at_head(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.create_schema()
    yield database
    database.close()


def _differences(database: Database, metadata: MetaData) -> list[object]:
    with database.engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection, opts=compare_options()), metadata))


def test_the_migrated_schema_is_the_models(at_head: Database) -> None:
    assert _differences(at_head, load_models()) == [], (
        "the models and the migrations differ: add a revision (assistant/migrations/versions/README.md)")


def test_a_model_change_without_a_revision_is_seen(at_head: Database) -> None:
    changed = MetaData(naming_convention=NAMING_CONVENTION)
    for table in load_models().sorted_tables:
        table.to_metadata(changed)
    changed.tables["conversations"].append_column(Column("pinned", Integer, nullable=True))
    differences = _differences(at_head, changed)
    assert [(kind, table, column.name) for kind, _schema, table, column in differences] == [
        ("add_column", "conversations", "pinned")]


def test_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, (
        f"several heads {heads}: two revisions have the same down_revision; re-point the later one")


def test_down_to_nothing_and_up_again(at_head: Database) -> None:
    with migration_connection(at_head.engine) as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(at_head.engine).get_table_names()) <= {"alembic_version"}
    assert database_revision(at_head.engine) is None
    with migration_connection(at_head.engine) as connection:
        command.upgrade(alembic_config(connection), "head")
    assert database_revision(at_head.engine) == head_revision()
    assert _differences(at_head, load_models()) == []
