"""The territorial analysis's dataset catalogue (assistant/analysis/catalog.py): name, readers, card, file hash,
table file (the DuckDB file the rows live in, under the data directory), size, version, load time.

Revision ID: 0005_datasets_table
Revises: 0004_jobs
Create Date: 2026-12-03 12:00:47.516116
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_datasets_table'
down_revision = '0004_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('datasets',
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('card', sa.JSON(), nullable=False),
    sa.Column('source_path', sa.Text(), nullable=False),
    sa.Column('file_format', sa.String(length=16), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=False),
    sa.Column('card_hash', sa.String(length=64), nullable=False),
    sa.Column('table_file', sa.String(length=200), nullable=False),
    sa.Column('row_count', sa.BigInteger(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('datasets_pkey'))
    )


def downgrade() -> None:
    op.drop_table('datasets')
