"""one linear history: the feature branches 0002-0006 meet here, so the next revision has one parent

Revision ID: 0007_linear
Revises: 0002_search, 0003_events, 0004_audit, 0005_wrapup, 0006_offers
"""

from __future__ import annotations

revision = "0007_linear"
down_revision = ("0002_search", "0003_events", "0004_audit", "0005_wrapup", "0006_offers")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins the branches."""


def downgrade() -> None:
    """Nothing to undo."""
