"""audit trail of customer edits

Revision ID: 0004_audit
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import store.timeutil

revision = "0004_audit"
down_revision = "0001_foundation"
branch_labels = ("audit",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auditentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operator", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("old_value", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("new_value", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditentry_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditentry_operator"), ["operator"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditentry_operator"))
        batch_op.drop_index(batch_op.f("ix_auditentry_customer_id"))
    op.drop_table("auditentry")
