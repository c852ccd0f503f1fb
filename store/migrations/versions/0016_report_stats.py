"""report_stats: PostgreSQL statistics on the day and hour the reports group by

Revision ID: 0016_report_stats
Revises: 0015_balances

A report grouped by day or hour groups by `date_trunc('day', at AT TIME ZONE 'UTC')` or
`EXTRACT(HOUR FROM at AT TIME ZONE 'UTC')` (store/reports/base.py). Without statistics on those
expressions PostgreSQL takes their distinct values for the instant's own (a million calls, a
million groups), sorts the million rows on disk and JIT-compiles the plan; with them it knows a
month is 30 days and 24 hours, and hashes (measured in `callpop bench supervisor`). Statistics cost
nothing on writes; ANALYZE fills them at once rather than at the next autovacuum. SQLite has no
such statistics and needs none: nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = "0016_report_stats"
down_revision = "0015_balances"
branch_labels = None
depends_on = None

INSTANTS = (
    ("call", "rang_at"),
    ("callback", "due_at"),
    ("offerpresentation", "presented_at"),
    ("ticket", "created_at"),
)
GROUPINGS = {
    "day": "date_trunc('day', {column} AT TIME ZONE 'UTC')",
    "hour": "EXTRACT(HOUR FROM {column} AT TIME ZONE 'UTC')",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in INSTANTS:
        for grouping, expression in GROUPINGS.items():
            on = expression.format(column=column)
            op.execute(f"CREATE STATISTICS st_{table}_{grouping} ON ({on}) FROM {table}")
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, _column in INSTANTS:
        for grouping in GROUPINGS:
            op.execute(f"DROP STATISTICS IF EXISTS st_{table}_{grouping}")
