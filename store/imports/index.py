"""The search index after an import: a few thousand changed customers are re-indexed in the
import's own transaction; a bulk load is followed by a full `rebuild_index` (much faster than
one customer at a time past a few percent of the base)."""

from __future__ import annotations

import sqlalchemy as sa

from store.models import Customer, Phone
from store.models.base import table_of
from store.models.search import search_phone
from store.search.sync import customer_tokens, phone_row, reindex_customer

INCREMENTAL_LIMIT = 20_000
_CHUNK = 2_000


def needs_rebuild(connection: sa.Connection, changed: int) -> bool:
    """True when re-indexing `changed` customers one by one would be slower than a rebuild."""
    if changed <= 1_000:
        return False
    total = connection.scalar(sa.select(sa.func.count()).select_from(Customer)) or 0
    return changed > INCREMENTAL_LIMIT or changed * 10 > total


def reindex_customers(connection: sa.Connection, customer_ids: set[int]) -> None:
    """Re-post the names and phones of `customer_ids`, inside the caller's transaction."""
    c, p = table_of(Customer).c, table_of(Phone).c
    ordered = sorted(customer_ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for row in connection.execute(
            sa.select(c.id, c.given_name, c.family_name, c.display_name).where(c.id.in_(chunk))
        ):
            reindex_customer(
                connection, row.id, customer_tokens(row.given_name, row.family_name, row.display_name)
            )
        connection.execute(sa.delete(search_phone).where(search_phone.c.customer_id.in_(chunk)))
        phones = connection.execute(
            sa.select(p.id, p.customer_id, p.e164).where(p.customer_id.in_(chunk))
        ).all()
        if phones:
            connection.execute(
                sa.insert(search_phone), [phone_row(r.id, r.customer_id, r.e164) for r in phones]
            )
