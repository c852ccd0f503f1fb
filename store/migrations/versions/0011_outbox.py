"""outbox: events for other systems and their deliveries to each webhook endpoint

Revision ID: 0011_outbox
Revises: 0010_supervisor
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.timeutil

revision = "0011_outbox"
down_revision = "0010_supervisor"
branch_labels = None
depends_on = None


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _instant() -> store.timeutil.UTCDateTime:
    return store.timeutil.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", _string(36), nullable=False),
        sa.Column("type", _string(40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", _instant(), nullable=False),
        sa.Column("fanned_out_at", _instant(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_outbox_event_fanned_out_at"), "outbox_event", ["fanned_out_at"])
    op.create_table(
        "outbox_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", _string(36), nullable=False),
        sa.Column("endpoint", _string(64), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _instant(), nullable=False),
        sa.Column("lease", _string(32), nullable=True),
        sa.Column("last_error", _string(300), nullable=False),
        sa.Column("delivered_at", _instant(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["outbox_event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "endpoint"),
    )
    op.create_index(op.f("ix_outbox_delivery_event_id"), "outbox_delivery", ["event_id"])
    op.create_index("ix_outbox_delivery_due", "outbox_delivery", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_delivery_due", table_name="outbox_delivery")
    op.drop_index(op.f("ix_outbox_delivery_event_id"), table_name="outbox_delivery")
    op.drop_table("outbox_delivery")
    op.drop_index(op.f("ix_outbox_event_fanned_out_at"), table_name="outbox_event")
    op.drop_table("outbox_event")
