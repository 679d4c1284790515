"""Shared state of several service processes: rate-limit buckets and the model admission leases.

`rate_limit_buckets`: one token bucket per (kind of request, user), taken with one upsert by every worker
(assistant/shared_buckets.py). `model_admission_pools` and `model_admissions`: the slots and queue of a
model shared by the workers, as leases (assistant/llm/shared_gate.py). All three hold transient rows only
(buckets full again and expired leases are deleted): nothing to carry over on a downgrade.

Revision ID: 0003_shared_limits_admission
Revises: 0002_drop_login_states
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_shared_limits_admission"
down_revision = "0002_drop_login_states"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_buckets",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("updated", sa.Double(), nullable=False),
        sa.Column("full_at", sa.Double(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("rate_limit_buckets_pkey")),
    )
    op.create_index(op.f("ix_rate_limit_buckets_full_at"), "rate_limit_buckets", ["full_at"])
    op.create_table(
        "model_admission_pools",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("model_admission_pools_pkey")),
    )
    op.create_table(
        "model_admissions",
        sa.Column("ticket", sa.String(length=64), nullable=False),
        sa.Column("pool", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("arrived", sa.Double(), nullable=False),
        sa.Column("expires", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("ticket", name=op.f("model_admissions_pkey")),
    )
    op.create_index(op.f("ix_model_admissions_expires"), "model_admissions", ["expires"])
    op.create_index(op.f("ix_model_admissions_pool"), "model_admissions", ["pool"])


def downgrade() -> None:
    op.drop_index(op.f("ix_model_admissions_pool"), table_name="model_admissions")
    op.drop_index(op.f("ix_model_admissions_expires"), table_name="model_admissions")
    op.drop_table("model_admissions")
    op.drop_table("model_admission_pools")
    op.drop_index(op.f("ix_rate_limit_buckets_full_at"), table_name="rate_limit_buckets")
    op.drop_table("rate_limit_buckets")
