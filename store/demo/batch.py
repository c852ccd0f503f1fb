"""Rows for one write transaction, with primary keys handed out before anything is inserted.

Pre-assigning ids lets a customer's phones, holdings and tickets point at their parent in the
same bulk insert, with no round trip to learn what the database chose.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

# Parents before children: the order rows are inserted in.
TABLES = (
    "operator",
    "product",
    "campaign",
    "customer",
    "phone",
    "email",
    "address",
    "holding",
    "balancesnapshot",
    "warranty",
    "ticket",
    "interaction",
    "call",
    "campaigncontact",
)


class Batch:
    """Rows per table; `add` returns the id it gave the row."""

    def __init__(self, next_ids: dict[str, int]) -> None:
        self._next_ids = next_ids
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def next_id(self, table: str) -> int:
        """The id the next `add` to `table` will give (for numbers derived from it)."""
        return self._next_ids[table]

    def add(self, table: str, **values: Any) -> int:
        row_id = self._next_ids[table]
        self._next_ids[table] = row_id + 1
        values["id"] = row_id
        self.rows[table].append(values)
        return row_id

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.rows.values())
