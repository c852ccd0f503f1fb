"""customer search index: name tokens, their deletion neighbourhood, postings, names, phone digits

Revision ID: 0002_search
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_search"
down_revision = "0001_foundation"
branch_labels = ("search",)
depends_on = None


def _bytewise(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "search_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", _bytewise(64), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_search_token_token", "search_token", ["token"], unique=True)

    op.create_table(
        "search_token_key",
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_search_token_key_key", "search_token_key", ["key", "token_id"])

    op.create_table(
        "search_posting",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_search_posting_token", "search_posting", ["token_id", "customer_id"])
    op.create_index("ix_search_posting_customer", "search_posting", ["customer_id", "token_id"])

    op.create_table(
        "search_name",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id"),
    )

    op.create_table(
        "search_phone",
        sa.Column("phone_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("nsn", _bytewise(20), nullable=False),
        sa.Column("rdigits", _bytewise(20), nullable=False),
        sa.ForeignKeyConstraint(["phone_id"], ["phone.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("phone_id"),
    )
    op.create_index("ix_search_phone_customer", "search_phone", ["customer_id"])
    op.create_index("ix_search_phone_nsn", "search_phone", ["nsn"])
    op.create_index("ix_search_phone_rdigits", "search_phone", ["rdigits"])


def downgrade() -> None:
    for table in ("search_phone", "search_name", "search_posting", "search_token_key", "search_token"):
        op.drop_table(table)
