"""computed segments: RFM scores, rule segment members, refresh runs, churn models and scores

Revision ID: 0009_segments
Revises: 0008_data
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.timeutil

revision = "0009_segments"
down_revision = "0008_data"
branch_labels = None
depends_on = None


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _customer_key() -> list[sa.SchemaItem]:
    return [
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "customerrfm",
        *_customer_key(),
        sa.Column("last_purchase_on", sa.Date(), nullable=True),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("monetary", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("r", sa.Integer(), nullable=False),
        sa.Column("f", sa.Integer(), nullable=False),
        sa.Column("m", sa.Integer(), nullable=False),
        sa.Column("rfm_segment", _string(40), nullable=False),
        sa.Column("refreshed_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index(op.f("ix_customerrfm_rfm_segment"), "customerrfm", ["rfm_segment"])
    op.create_table(
        "segmentmember",
        sa.Column("segment", _string(60), nullable=False),
        *_customer_key(),
        sa.PrimaryKeyConstraint("segment", "customer_id"),
    )
    op.create_index(op.f("ix_segmentmember_customer_id"), "segmentmember", ["customer_id"])
    op.create_table(
        "segmentrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", store.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("max_customer_id", sa.Integer(), nullable=False),
        sa.Column("breakpoints", _string(2000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "customerchurn",
        *_customer_key(),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("reasons", _string(400), nullable=False),
        sa.Column("scored_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index(op.f("ix_customerchurn_risk"), "customerchurn", ["risk"])
    op.create_table(
        "churnmodel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trained_at", store.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("positives", sa.Integer(), nullable=False),
        sa.Column("auc", sa.Float(), nullable=False),
        sa.Column("brier", sa.Float(), nullable=False),
        sa.Column("parameters", _string(4000), nullable=False),
        sa.Column("calibration", _string(4000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    for table in ("churnmodel", "customerchurn", "segmentrun", "segmentmember", "customerrfm"):
        op.drop_table(table)
