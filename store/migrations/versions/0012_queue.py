"""the supervisor's ticket queue: indexes its keyset pages walk

Revision ID: 0012_queue
Revises: 0011_outbox
"""

from __future__ import annotations

from alembic import op

revision = "0012_queue"
down_revision = "0011_outbox"
branch_labels = None
depends_on = None


INDEXES = {
    "ix_ticket_queue_team_sla": ["team", "sla_due", "id", "status"],
    "ix_ticket_queue_team_created": ["team", "created_at", "id", "status"],
    "ix_ticket_queue_sla": ["sla_due", "id", "status"],
    "ix_ticket_queue_created": ["created_at", "id", "status"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "ticket", columns)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="ticket")
