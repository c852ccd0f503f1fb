"""audit keys: a per-customer key seals the personal fields of their audit rows

Revision ID: 0017_audit_keys
Revises: 0016_report_stats

`audit_key` holds each customer's AES-256 keys (store.audit_seal); an erasure deletes them, so
the append-only log keeps its chain but can no longer be read about that person. A sealed field
is longer than its clear text: on PostgreSQL `detail` becomes TEXT and `target` 1,200 characters
(SQLite does not enforce a VARCHAR's length). Rows written before this revision stay as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017_audit_keys"
down_revision = "0016_report_stats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_key_customer_id", "audit_key", ["customer_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("auditlog", "detail", type_=sa.Text())
        op.alter_column("auditlog", "target", type_=sqlmodel.sql.sqltypes.AutoString(length=1200))


def downgrade() -> None:
    op.drop_index("ix_audit_key_customer_id", table_name="audit_key")
    op.drop_table("audit_key")
