"""Why a database's schema cannot be used as it is (the messages are shown to operators, French first)."""

from __future__ import annotations


class SchemaError(RuntimeError):
    """The database's schema cannot be used or migrated by this version of the application."""


class SchemaBehind(SchemaError):
    """Migrations are pending and `database.migrate_on_start` is off."""


class ForeignKeyViolation(SchemaError):
    """A migration left rows pointing at rows that no longer exist (SQLite checks before committing)."""
