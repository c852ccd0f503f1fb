"""reports: the instants the supervisor reports range over, indexed

Revision ID: 0014_reports
Revises: 0013_floor

Each report reads one table over a period: when a call rang, a callback was due, an offer was
answered, a ticket was opened. Each index leads with that instant and carries the columns the
reports group and count by, so a report over a million calls reads the index alone (SQLite looking
up a million table rows from a bare instant index took 45 s; measured in `callpop bench
supervisor`). First-contact resolution looks for the same customer calling again about the same
reason soon after, hence (customer_id, reason, rang_at).
"""

from __future__ import annotations

from alembic import op

revision = "0014_reports"
down_revision = "0013_floor"
branch_labels = None
depends_on = None

CALL_REPORTS = [
    "rang_at",
    "operator",
    "reason",
    "outcome",
    "customer_id",
    "campaign_code",
    "answered_at",
    "ended_at",
    "wrapped_at",
]
INDEXES = (
    ("ix_call_reports", "call", CALL_REPORTS),
    ("ix_call_customer_reason_rang", "call", ["customer_id", "reason", "rang_at"]),
    ("ix_callback_reports", "callback", ["due_at", "assignee", "status", "done_at"]),
    (
        "ix_offerpresentation_reports",
        "offerpresentation",
        ["presented_at", "operator", "offer_code", "segment", "response"],
    ),
    ("ix_ticket_reports", "ticket", ["created_at", "assignee", "team", "resolved_at", "sla_due"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
