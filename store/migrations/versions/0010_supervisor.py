"""supervisors: teams, ticket versions and SLA instants, the ticket's own events

Revision ID: 0010_supervisor
Revises: 0009_segments
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.timeutil

revision = "0010_supervisor"
down_revision = "0009_segments"
branch_labels = None
depends_on = None


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _instant() -> store.timeutil.UTCDateTime:
    return store.timeutil.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("operator") as table:
        table.add_column(sa.Column("team", _string(40), nullable=False, server_default=""))
        table.create_index(op.f("ix_operator_team"), ["team"])
    with op.batch_alter_table("ticket") as table:
        table.add_column(sa.Column("team", _string(40), nullable=False, server_default=""))
        table.add_column(sa.Column("first_response_at", _instant(), nullable=True))
        table.add_column(sa.Column("resolved_at", _instant(), nullable=True))
        table.add_column(sa.Column("resolution", _string(4000), nullable=False, server_default=""))
        table.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        table.create_index(op.f("ix_ticket_team"), ["team"])
    op.create_table(
        "ticketevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("actor", _string(64), nullable=False),
        sa.Column("kind", _string(20), nullable=False),
        sa.Column("old_value", _string(200), nullable=False),
        sa.Column("new_value", _string(200), nullable=False),
        sa.Column("note", _string(4000), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ticketevent_ticket_id"), "ticketevent", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticketevent_ticket_id"), table_name="ticketevent")
    op.drop_table("ticketevent")
    with op.batch_alter_table("ticket") as table:
        table.drop_index(op.f("ix_ticket_team"))
        for column in ("version", "resolution", "resolved_at", "first_response_at", "team"):
            table.drop_column(column)
    with op.batch_alter_table("operator") as table:
        table.drop_index(op.f("ix_operator_team"))
        table.drop_column("team")
