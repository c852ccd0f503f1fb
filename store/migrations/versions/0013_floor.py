"""floor: an operator's presence state on their console session, with what only the console knows

Revision ID: 0013_floor
Revises: 0012_queue
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.timeutil

revision = "0013_floor"
down_revision = "0012_queue"
branch_labels = None
depends_on = None

_INSTANTS = ("presence_since", "wrapup_since", "held_since")


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _instant() -> store.timeutil.UTCDateTime:
    return store.timeutil.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("consolesession") as table:
        table.add_column(sa.Column("presence", _string(12), nullable=False, server_default="ready"))
        table.add_column(sa.Column("open_wrapups", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("held_call_id", _string(64), nullable=False, server_default=""))
        for column in _INSTANTS:
            table.add_column(sa.Column(column, _instant(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consolesession") as table:
        for column in ("held_call_id", "open_wrapups", "presence", *_INSTANTS):
            table.drop_column(column)
