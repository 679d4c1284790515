"""Drop login_states: the pending logins' first table, replaced by pending_logins (with a client column).

Only databases installed before that change have it; its rows were 10-minute login attempts.

Revision ID: 0002_drop_login_states
Revises: 0001_initial_schema
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0002_drop_login_states"
down_revision = "0001_initial_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TABLE IF EXISTS login_states")


def downgrade() -> None:
    pass  # nothing to restore: the table was unused
