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

On SQLite, `ix_call_hourly` hands the handling report its calls per operator and UTC hour in that
order (SQLite skips from operator to operator, then ranges over the period's hours) with every
column it reads: one pass and no sort where grouping a million calls read by `rang_at` sorted them
all (SQLite has no hash aggregation). The hour is the report's expression character for character,
or SQLite does not match it. PostgreSQL hashes those groups and needs no such index; the models
(SQLite cannot reflect an expression index into them) declare none.
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
HOURLY = (
    "CREATE INDEX ix_call_hourly ON call (operator, (substr(rang_at, 1, 13) || ':00:00.000000'),"
    " rang_at, reason, outcome, customer_id, answered_at, ended_at, wrapped_at, next_rang_at)"
)
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
        return
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
    op.execute(HOURLY)
    op.execute("ANALYZE call")  # SQLite skips along an index only once it knows operators repeat


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER call_next_rang ON call")
        op.execute("DROP FUNCTION call_next_rang()")
        op.drop_column("call", "next_rang_at")
        return
    op.execute("DROP INDEX ix_call_hourly")
    for name in ("call_next_inserted", "call_next_deleted", "call_next_moved"):
        op.execute(f"DROP TRIGGER {name}")
    # Not a batch copy of `call`: dropping the old table would cascade to `call_email`.
    op.execute("ALTER TABLE call DROP COLUMN next_rang_at")
