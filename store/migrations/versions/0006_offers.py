"""next best offer: catalogue, contact policy, presentations and learned counters

Revision ID: 0006_offers
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import store.timeutil

revision = "0006_offers"
down_revision = "0001_foundation"
branch_labels = ("offers",)
depends_on = None


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", _string(40), nullable=False),
        sa.Column("title", _string(120), nullable=False),
        sa.Column("product_code", _string(40), nullable=False),
        sa.Column("service", _string(40), nullable=False),
        sa.Column("category", _string(16), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("script", _string(2000), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("channels", _string(80), nullable=False),
        sa.Column("cooldown_days", sa.Integer(), nullable=False),
        sa.Column("later_days", sa.Integer(), nullable=False),
        sa.Column("eligibility", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("loaded_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_code"), ["code"], unique=True)

    op.create_table(
        "offerpolicy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("max_per_30_days", sa.Integer(), nullable=False),
        sa.Column("max_per_call", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "offerpresentation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", _string(64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("offer_code", _string(40), nullable=False),
        sa.Column("segment", _string(40), nullable=False),
        sa.Column("operator", _string(64), nullable=False),
        sa.Column("response", _string(16), nullable=False),
        sa.Column("reason", _string(200), nullable=False),
        sa.Column("presented_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id", "offer_code", name="uq_offerpresentation_call_offer"),
    )
    with op.batch_alter_table("offerpresentation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_offerpresentation_customer_at", ["customer_id", "presented_at"], unique=False
        )

    op.create_table(
        "offerstat",
        sa.Column("offer_code", _string(40), nullable=False),
        sa.Column("segment", _string(40), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("offer_code", "segment"),
    )


def downgrade() -> None:
    op.drop_table("offerstat")
    with op.batch_alter_table("offerpresentation", schema=None) as batch_op:
        batch_op.drop_index("ix_offerpresentation_customer_at")
    op.drop_table("offerpresentation")
    op.drop_table("offerpolicy")
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_code"))
    op.drop_table("offer")
