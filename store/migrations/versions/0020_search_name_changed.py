"""search name changed: when each customer's name tokens were last written, in database time

Revision ID: 0020_search_name_changed
Revises: 0019_call_next

The name engine (store/search/engine.py) is a cache on disk of `search_name`, stamped with the
database time it reflects; a search reads the rows written since (`changed` after the stamp) from
the database, so a customer created or renamed anywhere is found by the next search everywhere.
A trigger stamps every row inserted without a value, whatever the writer is (the flush hook, an
import, a merge): the clock is the database's (epoch seconds), never a console host's. A full
rebuild writes one value for all rows itself (the trigger would cost a second per 100k rows).

`search_purge` gets a row (no personal data) per erasure, in the erasure's transaction: an engine
built before the newest one still holds the erased person's name tokens in its term files, so no
engine stamped with an older purge is served, and it is rebuilt (store.gdpr.erase).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_search_name_changed"
down_revision = "0019_call_next"
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """
CREATE TRIGGER search_name_changed AFTER INSERT ON search_name WHEN NEW.changed IS NULL
BEGIN
    UPDATE search_name SET changed = (julianday('now') - 2440587.5) * 86400.0
    WHERE customer_id = NEW.customer_id;
END
"""
PG_FUNCTION = """
CREATE FUNCTION search_name_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed := extract(epoch FROM clock_timestamp());
    RETURN NEW;
END $$
"""
PG_TRIGGER = """
CREATE TRIGGER search_name_changed BEFORE INSERT ON search_name
FOR EACH ROW WHEN (NEW.changed IS NULL) EXECUTE FUNCTION search_name_changed()
"""


def upgrade() -> None:
    op.create_table(
        "search_purge",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.add_column("search_name", sa.Column("changed", sa.Float, nullable=True))
    op.create_index("ix_search_name_changed", "search_name", ["changed"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER search_name_changed ON search_name")
        op.execute("DROP FUNCTION search_name_changed()")
    else:
        op.execute("DROP TRIGGER search_name_changed")
    op.drop_index("ix_search_name_changed", table_name="search_name")
    with op.batch_alter_table("search_name") as batch:
        batch.drop_column("changed")
    op.drop_table("search_purge")
