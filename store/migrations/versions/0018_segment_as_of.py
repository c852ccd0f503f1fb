"""segment runs: the day a refresh computed recency for

Revision ID: 0018_segment_as_of
Revises: 0017_audit_keys

An incremental refresh may reuse the last run's cut points only for the same day of recency. That
day is the `today` the run was asked for, not the date its clock started on: a run for yesterday's
date started after midnight is not today's. Runs recorded before this revision have none, so the
next refresh is a full one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_segment_as_of"
down_revision = "0017_audit_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("segmentrun") as batch:
        batch.add_column(sa.Column("as_of", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("segmentrun") as batch:
        batch.drop_column("as_of")
