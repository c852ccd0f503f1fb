"""balances: a holding's balance history, so that the churn model can see a balance falling

Revision ID: 0015_balances
Revises: 0014_reports

A snapshot is written when a holding's balance changes (`callpop import holdings`, the demo's
history). The balances held now are the first snapshots, dated the day of the upgrade: a base
that had none gets its history from then on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_balances"
down_revision = "0014_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "balancesnapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holding_id", sa.Integer(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("balance", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["holding_id"], ["holding.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("holding_id", "taken_on", name="uq_balancesnapshot_holding_day"),
    )
    op.execute(
        "INSERT INTO balancesnapshot (holding_id, taken_on, balance) "
        "SELECT id, CURRENT_DATE, balance FROM holding WHERE balance IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("balancesnapshot")
