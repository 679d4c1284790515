"""The first release's schema: catalog, conversations, feedback, audit trail (append-only), web sessions.

Exactly what that release's `create_all` made, plus the trigger refusing UPDATE on audit_events. Each table
is created only when missing (online): a database made by `create_all` before migrations is adopted as it
is, and `runner.py` checks it against the models before committing. The trigger is created only when
missing too (a trigger the DBA installed is left alone).

Revision ID: 0001_initial_schema
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0001_initial_schema"
down_revision = None
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)

_SQLITE_NO_UPDATE = """
CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
"""
_POSTGRES_REFUSE_UPDATE = """
CREATE OR REPLACE FUNCTION audit_events_refuse_update() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$
"""
_POSTGRES_NO_UPDATE = """
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_update()
"""
_POSTGRES_HAS_TRIGGER = """
SELECT 1 FROM pg_trigger WHERE tgname = 'audit_events_no_update' AND tgrelid = 'audit_events'::regclass
"""


def _missing(table: str) -> bool:
    return context.is_offline_mode() or not sa.inspect(op.get_bind()).has_table(table)


def _create(table: str, *elements: sa.schema.SchemaItem, indexes: tuple[str, ...] = ()) -> None:
    if not _missing(table):
        return
    op.create_table(table, *elements)
    for column in indexes:
        op.create_index(f"ix_{table}_{column}", table, [column])


def _catalog() -> None:
    _create("collections",
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("groups", sa.JSON(), nullable=False),
            sa.Column("generation", sa.Integer(), nullable=False),
            sa.Column("created_at", _TZ, nullable=False),
            sa.PrimaryKeyConstraint("name", name="collections_pkey"))
    _create("documents",
            sa.Column("id", sa.String(40), nullable=False),
            sa.Column("collection", sa.String(200), nullable=False),
            sa.Column("path", sa.Text(), nullable=False),
            sa.Column("source_name", sa.String(500), nullable=False),
            sa.Column("title", sa.Text(), nullable=False),
            sa.Column("file_type", sa.String(20), nullable=False),
            sa.Column("content_hash", sa.String(64), nullable=False),
            sa.Column("size_bytes", sa.BigInteger(), nullable=False),
            sa.Column("page_count", sa.Integer(), nullable=True),
            sa.Column("chunk_count", sa.Integer(), nullable=False),
            sa.Column("ingested_at", _TZ, nullable=False),
            sa.PrimaryKeyConstraint("id", name="documents_pkey"),
            sa.ForeignKeyConstraint(["collection"], ["collections.name"], name="documents_collection_fkey",
                                    ondelete="CASCADE"),
            indexes=("collection", "source_name"))
    _create("chunks",
            sa.Column("id", sa.String(80), nullable=False),
            sa.Column("document_id", sa.String(40), nullable=False),
            sa.Column("collection", sa.String(200), nullable=False),
            sa.Column("ordinal", sa.Integer(), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("indexed_text", sa.Text(), nullable=False),
            sa.Column("page", sa.Integer(), nullable=True),
            sa.Column("section", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="chunks_pkey"),
            sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name="chunks_document_id_fkey",
                                    ondelete="CASCADE"),
            indexes=("collection", "document_id"))


def _conversations() -> None:
    _create("conversations",
            sa.Column("id", sa.String(32), nullable=False),
            sa.Column("owner", sa.String(200), nullable=False),
            sa.Column("title", sa.Text(), nullable=False),
            sa.Column("created_at", _TZ, nullable=False),
            sa.Column("updated_at", _TZ, nullable=False),
            sa.PrimaryKeyConstraint("id", name="conversations_pkey"),
            indexes=("owner",))
    _create("messages",
            sa.Column("id", sa.String(32), nullable=False),
            sa.Column("conversation_id", sa.String(32), nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("content", sa.Text(), nullable=False),
            sa.Column("mode", sa.String(16), nullable=True),
            sa.Column("sources", sa.JSON(), nullable=False),
            sa.Column("created_at", _TZ, nullable=False),
            sa.PrimaryKeyConstraint("id", name="messages_pkey"),
            sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                    name="messages_conversation_id_fkey", ondelete="CASCADE"),
            indexes=("conversation_id",))
    _create("feedback",
            sa.Column("message_id", sa.String(32), nullable=False),
            sa.Column("owner", sa.String(200), nullable=False),
            sa.Column("rating", sa.Integer(), nullable=False),
            sa.Column("comment", sa.Text(), nullable=False),
            sa.Column("created_at", _TZ, nullable=False),
            sa.PrimaryKeyConstraint("message_id", name="feedback_pkey"),
            sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name="feedback_message_id_fkey",
                                    ondelete="CASCADE"))


def _audit() -> None:
    _create("audit_events",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("at", _TZ, nullable=False),
            sa.Column("username", sa.String(200), nullable=False),
            sa.Column("action", sa.String(64), nullable=False),
            sa.Column("endpoint", sa.String(300), nullable=False),
            sa.Column("status", sa.Integer(), nullable=False),
            sa.Column("request_id", sa.String(64), nullable=False),
            sa.Column("target", sa.Text(), nullable=False),
            sa.Column("collections", sa.JSON(), nullable=False),
            sa.Column("retrieved", sa.JSON(), nullable=False),
            sa.Column("cited", sa.JSON(), nullable=False),
            sa.Column("question", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id", name="audit_events_pkey"),
            indexes=("action", "at", "username"))
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        op.execute(_SQLITE_NO_UPDATE)
    elif dialect == "postgresql" and (context.is_offline_mode()
                                      or op.get_bind().scalar(sa.text(_POSTGRES_HAS_TRIGGER)) is None):
        op.execute(_POSTGRES_REFUSE_UPDATE)
        op.execute(_POSTGRES_NO_UPDATE)


def _identity() -> None:
    _create("web_sessions",
            sa.Column("id", sa.String(64), nullable=False),
            sa.Column("username", sa.String(200), nullable=False),
            sa.Column("claims", sa.JSON(), nullable=False),
            sa.Column("access_token", sa.Text(), nullable=False),
            sa.Column("refresh_token", sa.Text(), nullable=False),
            sa.Column("id_token", sa.Text(), nullable=False),
            sa.Column("access_expires_at", _TZ, nullable=False),
            sa.Column("expires_at", _TZ, nullable=False),
            sa.PrimaryKeyConstraint("id", name="web_sessions_pkey"),
            indexes=("username",))
    _create("pending_logins",
            sa.Column("state", sa.String(64), nullable=False),
            sa.Column("code_verifier", sa.String(128), nullable=False),
            sa.Column("nonce", sa.String(64), nullable=False),
            sa.Column("return_to", sa.Text(), nullable=False),
            sa.Column("client", sa.String(32), nullable=False),
            sa.Column("created_at", _TZ, nullable=False),
            sa.PrimaryKeyConstraint("state", name="pending_logins_pkey"),
            indexes=("client", "created_at"))


def upgrade() -> None:
    _catalog()
    _conversations()
    _audit()
    _identity()


def downgrade() -> None:
    for table in ("pending_logins", "web_sessions", "audit_events", "feedback", "messages", "conversations",
                  "chunks", "documents", "collections"):
        op.drop_table(table)  # the trigger goes with its table
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_refuse_update()")
