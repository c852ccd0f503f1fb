"""operators sign in (status, argon2id hash, throttling), console sessions, the hash-chained audit log

The customer-edit trail (`auditentry`) moves into the chain, oldest first, and its table goes.
The audit log refuses UPDATE and DELETE by trigger on both databases; on PostgreSQL
`callpop db grants` also leaves the console's role only INSERT and SELECT on it.

Revision ID: 0008_auth
Revises: 0008_i18n
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import store.timeutil
from store.audit import APPEND_ONLY_DDL, chain_rows

revision = "0008_auth"
down_revision = "0008_i18n"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_UTC = store.timeutil.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("operator", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(24), nullable=False, server_default="active"))
        batch_op.add_column(sa.Column("password_hash", _TEXT(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("failed_signins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", _UTC, nullable=True))
    op.create_table(
        "consolesession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("username", _TEXT(length=64), nullable=False),
        sa.Column("method", _TEXT(length=16), nullable=False),
        sa.Column("origin", _TEXT(length=120), nullable=False),
        sa.Column("started_at", _UTC, nullable=False),
        sa.Column("expires_at", _UTC, nullable=False),
        sa.Column("last_seen_at", _UTC, nullable=True),
        sa.Column("ended_at", _UTC, nullable=True),
        sa.Column("ended_by", _TEXT(length=64), nullable=False),
        sa.Column("end_reason", _TEXT(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consolesession_operator_id", "consolesession", ["operator_id"])
    op.create_index("ix_consolesession_ended_at", "consolesession", ["ended_at"])
    audit = op.create_table(
        "auditlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("actor", _TEXT(length=64), nullable=False),
        sa.Column("action", _TEXT(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("target", _TEXT(length=200), nullable=False),
        sa.Column("detail", _TEXT(length=4000), nullable=False),
        sa.Column("origin", _TEXT(length=120), nullable=False),
        sa.Column("prev_hash", _TEXT(length=64), nullable=False),
        sa.Column("row_hash", _TEXT(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prev_hash"),
    )
    op.create_index("ix_auditlog_seq", "auditlog", ["seq"], unique=True)
    op.create_index("ix_auditlog_actor", "auditlog", ["actor"])
    op.create_index("ix_auditlog_customer_id", "auditlog", ["customer_id"])
    connection = op.get_bind()
    old = connection.execute(sa.text("SELECT * FROM auditentry ORDER BY id")).mappings().all()
    if old:
        op.bulk_insert(audit, chain_rows(old))
    for statement in APPEND_ONLY_DDL[connection.dialect.name]:
        connection.exec_driver_sql(statement)
    op.drop_table("auditentry")


def downgrade() -> None:
    raise NotImplementedError("the audit log is append-only: restore a backup to go below 0008_auth")
