"""data toolbox: import runs and staged rows, merged-customer aliases, erasures

Revision ID: 0008_data
Revises: 0008_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.timeutil

revision = "0008_data"
down_revision = "0008_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "importrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("lines_done", sa.Integer(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("started_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_importrun_digest", "importrun", ["digest"])
    op.create_table(
        "importstaged",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["importrun.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "line"),
    )
    op.create_table(
        "customeralias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("old_customer_id", sa.Integer(), nullable=False),
        sa.Column("old_external_id", sa.String(length=32), nullable=False),
        sa.Column("old_display_name", sa.String(length=300), nullable=False),
        sa.Column("merged_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customeralias_customer_id", "customeralias", ["customer_id"])
    op.create_index("ix_customeralias_old_customer_id", "customeralias", ["old_customer_id"])
    op.create_index("ix_customeralias_old_external_id", "customeralias", ["old_external_id"])
    op.create_table(
        "customererasure",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("external_id_digest", sa.String(length=64), nullable=False),
        sa.Column("erased_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index("ix_customererasure_external_id_digest", "customererasure", ["external_id_digest"])


def downgrade() -> None:
    op.drop_index("ix_customererasure_external_id_digest", "customererasure")
    op.drop_table("customererasure")
    op.drop_index("ix_customeralias_old_external_id", "customeralias")
    op.drop_index("ix_customeralias_old_customer_id", "customeralias")
    op.drop_index("ix_customeralias_customer_id", "customeralias")
    op.drop_table("customeralias")
    op.drop_table("importstaged")
    op.drop_index("ix_importrun_digest", "importrun")
    op.drop_table("importrun")
