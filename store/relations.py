"""Which tables point at a customer: found from the metadata, so a table another feature adds
with a foreign key to `customer` is moved by a merge, read by a GDPR export and blanked by an
erasure without a change to those modules."""

from __future__ import annotations

import sqlalchemy as sa

from store.models import every_table

INDEX_TABLES = frozenset({"search_posting", "search_name", "search_phone"})
"""The search index: rebuilt, not moved or exported."""
KEY_TABLES = frozenset({"audit_key"})
"""The audit log's keys: moved by a merge and deleted by an erasure, never exported."""


def customer_references() -> list[sa.Column]:
    """Every foreign-key column to customer.id outside the customer and search tables."""
    return [
        fk.parent
        for table in every_table().sorted_tables
        if table.name not in INDEX_TABLES and table.name != "customer"
        for fk in table.foreign_keys
        if fk.column.table.name == "customer"
    ]
