"""A holding's balance history (`BalanceSnapshot`): written when a balance changes, read as of a day.

The holding row keeps only the balance now; the churn model needs to see it fall, so every
writer of balances records them here (`record_balances`), and a snapshot stands until the next
one: the balance on a day is the latest snapshot on or before it (`balances_on`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from store.bulk import insert_rows
from store.models import BalanceSnapshot, Holding, Product
from store.models.base import table_of

_snapshot, _holding, _product = table_of(BalanceSnapshot).c, table_of(Holding).c, table_of(Product).c
_CHUNK = 500


def record_balances(connection: sa.Connection, balances: Mapping[int, Decimal | None], day: date) -> int:
    """Snapshot each holding's balance (holding id -> balance) on `day` where it differs from the
    latest one before; a second change the same day replaces that day's. Returns how many changed."""
    known = {holding_id: balance for holding_id, balance in balances.items() if balance is not None}
    ids = sorted(known)
    written = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        latest = _latest(connection, chunk, day)
        fresh, today = [], []
        for holding_id in chunk:
            found = latest.get(holding_id)
            if found is not None and found[1] == known[holding_id]:
                continue
            if found is not None and found[0] == day:
                today.append(holding_id)
            fresh.append({"holding_id": holding_id, "taken_on": day, "balance": known[holding_id]})
        if today:
            connection.execute(
                sa.delete(table_of(BalanceSnapshot)).where(
                    _snapshot.holding_id.in_(today), _snapshot.taken_on == day
                )
            )
        insert_rows(connection, table_of(BalanceSnapshot), fresh)
        written += len(fresh)
    return written


def _latest(connection: sa.Connection, ids: list[int], day: date) -> dict[int, tuple[date, Decimal]]:
    """Each holding's latest snapshot on or before `day`: (its day, its balance)."""
    last = (
        sa.select(_snapshot.holding_id, sa.func.max(_snapshot.taken_on).label("taken_on"))
        .where(_snapshot.holding_id.in_(ids), _snapshot.taken_on <= day)
        .group_by(_snapshot.holding_id)
        .subquery()
    )
    rows = connection.execute(
        sa.select(_snapshot.holding_id, _snapshot.taken_on, _snapshot.balance).join(
            last, sa.and_(last.c.holding_id == _snapshot.holding_id, last.c.taken_on == _snapshot.taken_on)
        )
    )
    return {row.holding_id: (row.taken_on, row.balance) for row in rows}


def balances_on(day: date, holdings: sa.ColumnElement[bool]) -> sa.Select[int, Decimal]:
    """Per customer, the summed balance on `day` of the holdings matching `holdings` (a condition
    on `holding` and `product`), from the latest snapshot of each on or before `day`; a holding
    with no snapshot by then counts for nothing."""
    last = (
        sa.select(_snapshot.holding_id, sa.func.max(_snapshot.taken_on).label("taken_on"))
        .where(_snapshot.taken_on <= day)
        .group_by(_snapshot.holding_id)
        .subquery()
    )
    return (
        sa.select(_holding.customer_id, sa.func.sum(_snapshot.balance))
        .select_from(table_of(BalanceSnapshot))
        .join(last, sa.and_(last.c.holding_id == _snapshot.holding_id, last.c.taken_on == _snapshot.taken_on))
        .join(table_of(Holding), _holding.id == _snapshot.holding_id)
        .join(table_of(Product), _product.id == _holding.product_id)
        .where(holdings)
        .group_by(_holding.customer_id)
    )
