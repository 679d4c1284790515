"""Citizen requests: staff corrections of a qualification (assistant/requests/corrections.py).

`request_corrections`: one row per reassignment (masked text, category id, who); each is read back as an
example of its category when the qualifier starts. No data to carry over on a downgrade but the
corrections themselves (dropped with the table).

Revision ID: 0006_request_corrections
Revises: 0005_datasets_table
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_request_corrections"
down_revision = "0005_datasets_table"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("corrected_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("request_corrections_pkey")),
    )
    op.create_index(op.f("ix_request_corrections_category"), "request_corrections", ["category"])


def downgrade() -> None:
    op.drop_index(op.f("ix_request_corrections_category"), table_name="request_corrections")
    op.drop_table("request_corrections")
