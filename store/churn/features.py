"""What the churn model reads about every customer, as of a given day, in a few grouped queries.

Only what was true on `as_of` counts (holdings opened by then and not yet closed, tickets and
contacts before it, balances snapshotted by then), so the model trains on a past day and is judged
on what happened after it. A falling balance is the change of the current accounts' balance over
the 90 days before `as_of` (store/balances.py), as a share of what it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from store.balances import balances_on
from store.models import Customer, Holding, Interaction, Product, ProductCategory, Ticket
from store.models.base import table_of
from store.timeutil import date_of

FEATURES = (
    "recency_days",
    "complaints_60d",
    "contacts_90d",
    "closed_180d",
    "products",
    "tenure_years",
    "balance_change_90d",
)
MAX_RECENCY = 3650.0
BALANCE_DAYS = 90
MIN_BALANCE = Decimal(100)
"""A change is a share of the balance before, or of this much when it was smaller (an account
near zero going to 30 has not tripled in any way that matters)."""

_customer, _holding, _product = table_of(Customer).c, table_of(Holding).c, table_of(Product).c
_ticket, _contact = table_of(Ticket).c, table_of(Interaction).c


@dataclass(frozen=True)
class FeatureTable:
    """One row per customer holding a product on `as_of`; columns in FEATURES order."""

    customer_ids: np.ndarray
    values: np.ndarray


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _held_on(day: date) -> sa.ColumnElement[bool]:
    """A relationship open on `day`: an account, card, loan, policy or service (a bought appliance
    is a purchase, never closed, so it does not keep a customer from having left)."""
    return sa.and_(
        _product.category != ProductCategory.APPLIANCE.value,
        sa.or_(_holding.opened_on.is_(None), _holding.opened_on <= day),
        sa.or_(_holding.closed_on.is_(None), _holding.closed_on > day),
    )


def features_as_of(connection: Connection, as_of: date) -> FeatureTable:
    """Every customer with at least one product on `as_of`, and their features on that day."""
    cut = _instant(as_of + timedelta(days=1))
    held = sa.func.sum(sa.case((_held_on(as_of), 1), else_=0))
    rows = connection.execute(
        sa.select(
            _holding.customer_id,
            held.label("products"),
            sa.func.max(sa.case((_holding.opened_on <= as_of, _holding.opened_on))).label("last"),
            sa.func.sum(
                sa.case(
                    (sa.and_(_holding.closed_on > as_of - timedelta(180), _holding.closed_on <= as_of), 1),
                    else_=0,
                )
            ).label("closed"),
        )
        .join(table_of(Product), _product.id == _holding.product_id)
        .group_by(_holding.customer_id)
        .having(held > 0)
    ).all()
    complaints = _counts(
        connection,
        sa.select(_ticket.customer_id, sa.func.count())
        .where(
            _ticket.category == "complaint",
            _ticket.created_at >= cut - timedelta(days=60),
            _ticket.created_at < cut,
        )
        .group_by(_ticket.customer_id),
    )
    contacts = _counts(
        connection,
        sa.select(_contact.customer_id, sa.func.count())
        .where(_contact.occurred_at >= cut - timedelta(days=90), _contact.occurred_at < cut)
        .group_by(_contact.customer_id),
    )
    since = dict(connection.execute(sa.select(_customer.id, _customer.created_at)).all())
    change = balance_changes(connection, as_of)
    ids = np.array([row.customer_id for row in rows], dtype=np.int64)
    values = np.zeros((len(rows), len(FEATURES)))
    for index, row in enumerate(rows):
        last = date_of(row.last) if row.last is not None else None
        created = since.get(row.customer_id)
        values[index] = (
            min(MAX_RECENCY, (as_of - last).days) if last else MAX_RECENCY,
            complaints.get(row.customer_id, 0),
            contacts.get(row.customer_id, 0),
            row.closed or 0,
            row.products,
            max(0.0, (as_of - created.date()).days / 365.25) if created else 0.0,
            change.get(row.customer_id, 0.0),
        )
    return FeatureTable(ids, values)


def balance_changes(connection: Connection, as_of: date) -> dict[int, float]:
    """Per customer, how their current accounts held on `as_of` moved over the 90 days before:
    -0.4 is a balance 40% lower. Customers with no balance known 90 days before are left out."""
    accounts = sa.and_(_product.category == ProductCategory.CURRENT_ACCOUNT.value, _held_on(as_of))
    before = _sums(connection, balances_on(as_of - timedelta(days=BALANCE_DAYS), accounts))
    now = _sums(connection, balances_on(as_of, accounts))
    changes = {}
    for customer_id, then in before.items():
        moved = (now.get(customer_id, then) - then) / max(abs(then), MIN_BALANCE)
        changes[customer_id] = max(-1.0, min(1.0, float(moved)))
    return changes


def left_by(connection: Connection, day: date) -> set[int]:
    """Customers with no relationship open any more on `day` (every one closed by then)."""
    held = sa.func.sum(sa.case((_held_on(day), 1), else_=0))
    query = (
        sa.select(_holding.customer_id)
        .join(table_of(Product), _product.id == _holding.product_id)
        .group_by(_holding.customer_id)
        .having(held == 0)
    )
    return set(connection.execute(query).scalars())


def _counts(connection: Connection, query: sa.Select[Any]) -> dict[int, int]:
    return {row[0]: row[1] for row in connection.execute(query)}


def _sums(connection: Connection, query: sa.Select[int, Decimal]) -> dict[int, Decimal]:
    return {customer_id: Decimal(total) for customer_id, total in connection.execute(query)}
