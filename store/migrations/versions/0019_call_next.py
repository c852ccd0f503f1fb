"""call next: each call knows when its customer next called about the same reason

Revision ID: 0019_call_next
Revises: 0018_segment_as_of

First-contact resolution asks of every resolved call whether its customer called again about the
same reason soon after. Asked of a million calls that is a million index probes (SQLite: about a
second). `call.next_rang_at` holds the answer's raw material instead: the `rang_at` of the next
call (strictly later) with the same customer and reason, NULL if none (or no customer). Triggers
keep it in the writer's own statement, whatever the writer is (the console, an import, a merge, an
erasure): a call written, moved (new customer, reason or instant) or deleted updates itself and
the calls just before it, old place and new. How soon counts as "again" stays in the report
(store/reports/calls.py FCR_DAYS). On PostgreSQL the trigger first takes a transaction lock on the
customer, so two calls of one customer written at once each see the other.

`ix_call_reports` carries the column, so the handling report still reads that index alone: one
pass over the period, where the probes took SQLite about a second a million calls (measured in
`callpop bench supervisor`). The backfill reads each call's next one through
`ix_call_customer_reason_rang`: about 20 s for a million calls on SQLite, 75 s on PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_call_next"
down_revision = "0018_segment_as_of"
branch_labels = None
depends_on = None

NEXT_OF = (
    "(SELECT min(x.rang_at) FROM call AS x"
    " WHERE x.customer_id = {row}.customer_id AND x.reason = {row}.reason AND x.rang_at > {at})"
)
"""The next call's instant for a call of `{row}`'s customer and reason at `{at}`."""
LEFT = (
    "UPDATE call SET next_rang_at = " + NEXT_OF.format(row="OLD", at="call.rang_at") + " WHERE"
    " customer_id = OLD.customer_id AND reason = OLD.reason AND rang_at < OLD.rang_at"
    " AND next_rang_at = OLD.rang_at"
)
"""The calls whose next call was OLD, before it left: their next is now the one after."""
OWN = "UPDATE call SET next_rang_at = " + NEXT_OF.format(row="NEW", at="NEW.rang_at") + " WHERE id = NEW.id"
ARRIVED = (
    "UPDATE call SET next_rang_at = NEW.rang_at WHERE customer_id = NEW.customer_id"
    " AND reason = NEW.reason AND rang_at < NEW.rang_at"
    " AND (next_rang_at IS NULL OR next_rang_at > NEW.rang_at)"
)
"""The calls just before NEW, whose next call it now is."""
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
"""0014's `ix_call_reports`, which this revision extends with `next_rang_at`."""
POSTGRES_FUNCTION = f"""
CREATE FUNCTION call_next_rang() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.customer_id IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('call_next_rang'), OLD.customer_id);
        {LEFT};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.customer_id IS NOT NULL THEN
            PERFORM pg_advisory_xact_lock(hashtext('call_next_rang'), NEW.customer_id);
        END IF;
        IF TG_OP = 'UPDATE' OR NEW.customer_id IS NOT NULL THEN
            {OWN};
            {ARRIVED};
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.add_column("call", sa.Column("next_rang_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE call SET next_rang_at = "
        + NEXT_OF.format(row="call", at="call.rang_at")
        + " WHERE customer_id IS NOT NULL"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER call_next_rang AFTER INSERT OR DELETE OR UPDATE OF customer_id, reason,"
            " rang_at ON call FOR EACH ROW EXECUTE FUNCTION call_next_rang()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER call_next_inserted AFTER INSERT ON call WHEN NEW.customer_id IS NOT NULL"
            f" BEGIN {OWN}; {ARRIVED}; END"
        )
        op.execute(
            f"CREATE TRIGGER call_next_deleted AFTER DELETE ON call WHEN OLD.customer_id IS NOT NULL"
            f" BEGIN {LEFT}; END"
        )
        op.execute(
            "CREATE TRIGGER call_next_moved AFTER UPDATE OF customer_id, reason, rang_at ON call"
            f" BEGIN {LEFT}; {OWN}; {ARRIVED}; END"
        )
    _reports_index([*CALL_REPORTS, "next_rang_at"])


def downgrade() -> None:
    _reports_index(CALL_REPORTS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER call_next_rang ON call")
        op.execute("DROP FUNCTION call_next_rang()")
        op.drop_column("call", "next_rang_at")
        return
    for name in ("call_next_inserted", "call_next_deleted", "call_next_moved"):
        op.execute(f"DROP TRIGGER {name}")
    # Not a batch copy of `call`: dropping the old table would cascade to `call_email`.
    op.execute("ALTER TABLE call DROP COLUMN next_rang_at")


def _reports_index(columns: list[str]) -> None:
    op.drop_index("ix_call_reports", table_name="call")
    op.create_index("ix_call_reports", "call", columns)
