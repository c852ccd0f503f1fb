"""wrap-up: callbacks promised to customers

Revision ID: 0005_wrapup
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.timeutil

revision = "0005_wrapup"
down_revision = "0001_foundation"
branch_labels = ("wrapup",)
depends_on = None


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "callback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", _string(64), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("assignee", _string(64), nullable=False),
        sa.Column("due_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("phone", _string(32), nullable=False),
        sa.Column("note", _string(500), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_by", _string(64), nullable=False),
        sa.Column("created_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", store.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id"),
    )
    with op.batch_alter_table("callback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callback_assignee"), ["assignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_callback_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_callback_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_callback_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("callback")
