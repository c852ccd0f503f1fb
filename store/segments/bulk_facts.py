"""CustomerFacts for a chunk of customers in a handful of queries, for evaluating rule segments.

`store.offers.facts.load_facts` reads one customer (the screen pop); a refresh of the whole base
cannot afford a round of queries per customer, so this reads the same facts for many ids at once.
Past offer answers and holding references are left out: no segment rule reads the answers, and
a segment stores who is in it, never the why that would quote a reference (cleaning millions of
them was most of a full refresh). Only the segments whose rules have no SQL form
(store/segments/rule_sql.py) are decided on these facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from store.models import Address, Customer, Holding, HoldingStatus, Product, Ticket, TicketStatus, Warranty
from store.models.base import table_of
from store.models.segments import CustomerChurn
from store.offers.facts import CONSENT_OF_CHANNEL, CustomerFacts, HeldItem
from store.sanitize import clean_line

_customer, _holding, _product = table_of(Customer).c, table_of(Holding).c, table_of(Product).c
_warranty, _ticket, _address = table_of(Warranty).c, table_of(Ticket).c, table_of(Address).c
_churn = table_of(CustomerChurn).c
_IDS: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
_FIRST, _LAST = sa.bindparam("first", type_=sa.Integer()), sa.bindparam("last", type_=sa.Integer())
_CLOSED = HoldingStatus.CLOSED.value
_NONE: frozenset[str] = frozenset()
_SINCE = sa.type_coerce(_customer.created_at, sa.DateTime(timezone=True)).label("created_at")
"""`created_at` as the driver's datetime, without `UTCDateTime`'s conversion of each row: only
its UTC day is wanted (`_utc_day`)."""
_WARRANTY_ENDS = (
    sa.select(sa.func.max(_warranty.ends_on)).where(_warranty.holding_id == _holding.id).scalar_subquery()
)
"""A holding's latest warranty end, read with the holding (one index probe) rather than by a
second pass over the chunk's holdings joined to the warranties."""


@dataclass
class HoldingRows:
    """The holdings of a chunk of customers, as the facts need them."""

    held: dict[int, list[HeldItem]] = field(default_factory=lambda: defaultdict(list))
    closed: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))


def of_customers(column: sa.ColumnElement[int], whole_range: bool) -> sa.ColumnElement[bool]:
    """`column` among the chunk's ids (`key_of`): a range when they are every customer from the
    first to the last (a full refresh's chunk; far cheaper than thousands of bound values), else
    an IN list. Bound parameters, so a statement is built once for every chunk."""
    return column.between(_FIRST, _LAST) if whole_range else column.in_(_IDS)


def key_of(ids: Sequence[int], whole_range: bool) -> dict[str, Any]:
    """The parameters `of_customers` binds for the chunk `ids`."""
    return {"first": ids[0], "last": ids[-1]} if whole_range else {"ids": list(ids)}


def _all(connection: sa.Connection, query: sa.Select[Any], key: dict[str, Any]) -> Sequence[Any]:
    """Every row at once: iterating a result fetches row by row, a driver call each."""
    return connection.execute(query, key).all()


def read_holdings(connection: sa.Connection, ids: Sequence[int], *, whole_range: bool = False) -> HoldingRows:
    """Every holding of the customers `ids`, in one pass (the products come from a small map)."""
    found = HoldingRows()
    if not ids:
        return found
    key = key_of(ids, whole_range)
    products = {
        row.id: (row.code, clean_line(row.name), row.category)
        for row in connection.execute(sa.select(_product.id, _product.code, _product.name, _product.category))
    }
    rows = _all(
        connection,
        sa.select(
            _holding.customer_id,
            _holding.product_id,
            _holding.status,
            _holding.opened_on,
            _holding.balance,
            _holding.price_paid,
            _WARRANTY_ENDS,
        )
        .where(of_customers(_holding.customer_id, whole_range))
        .order_by(_holding.customer_id, _holding.id),
        key,
    )
    held, closed = found.held, found.closed
    for customer_id, product_id, status, opened_on, balance, price_paid, warranty_ends_on in rows:
        code, name, category = products[product_id]
        if status == _CLOSED:
            closed[customer_id].add(category)
            continue
        held[customer_id].append(
            HeldItem(
                product_code=code,
                product_name=name,
                category=category,
                reference="",
                opened_on=opened_on,
                balance=balance,
                price_paid=price_paid,
                warranty_ends_on=warranty_ends_on,
            )
        )
    return found


def load_many(
    connection: sa.Connection,
    ids: Sequence[int],
    holdings: HoldingRows,
    rfm_segments: dict[int, str],
    *,
    whole_range: bool = False,
) -> list[CustomerFacts]:
    """The facts of the customers `ids` that exist, with their `holdings` (`read_holdings`) and
    `rfm_segments` (each one's RFM segment)."""
    if not ids:
        return []
    key = key_of(ids, whole_range)
    tickets: dict[int, list[str]] = defaultdict(list)
    for customer_id, category in _all(
        connection,
        sa.select(_ticket.customer_id, _ticket.category).where(
            of_customers(_ticket.customer_id, whole_range),
            _ticket.status.in_([TicketStatus.OPEN.value, TicketStatus.PENDING.value]),
        ),
        key,
    ):
        tickets[customer_id].append(category)
    postal: dict[int, list[bool]] = defaultdict(list)
    for customer_id, undeliverable in _all(
        connection,
        sa.select(_address.customer_id, _address.undeliverable).where(
            of_customers(_address.customer_id, whole_range), _address.valid_to.is_(None)
        ),
        key,
    ):
        postal[customer_id].append(undeliverable)
    risks = dict(
        _all(
            connection,
            sa.select(_churn.customer_id, _churn.risk).where(of_customers(_churn.customer_id, whole_range)),
            key,
        )
    )
    consents = sorted(set(CONSENT_OF_CHANNEL.values()))
    channels_of = _channels_by_consents(consents)
    only = {name: frozenset({name}) for name in set(rfm_segments.values()) if name}
    facts = []
    for row in _all(
        connection,
        sa.select(
            _customer.id,
            _customer.segment,
            _customer.birth_date,
            _SINCE,
            _customer.loyalty_tier,
            _customer.loyalty_points,
            _customer.collections,
            *(_customer[name] for name in consents),
        ).where(of_customers(_customer.id, whole_range)),
        key,
    ):
        cid, segment, birth_date, created_at, tier, points, collections = row[:7]  # unpacked: no name lookups
        facts.append(
            CustomerFacts(
                customer_id=cid,
                segment=segment,
                birth_date=birth_date,
                customer_since=_utc_day(created_at),
                loyalty_tier=tier,
                loyalty_points=points,
                consented_channels=channels_of[row[7:]],
                collections=collections,
                holdings=tuple(holdings.held.get(cid, ())),
                open_ticket_categories=tuple(tickets.get(cid, ())),
                segments=only.get(rfm_segments.get(cid, ""), _NONE),
                churn_risk=risks.get(cid),
                closed_categories=frozenset(holdings.closed.get(cid, ())),
                mail_returned=bool(postal.get(cid)) and all(postal[cid]),
            )
        )
    return facts


def _utc_day(instant: datetime) -> date:
    """The UTC day of a stored instant: naive UTC on SQLite, time-zone aware on PostgreSQL."""
    return instant.date() if instant.tzinfo is None else instant.astimezone(UTC).date()


def _channels_by_consents(fields: list[str]) -> dict[tuple[bool, ...], frozenset[str]]:
    """The consented channels for every combination of the consent columns `fields`, in order:
    one frozenset per combination shared by every customer who has it, looked up by the row's
    values themselves (booleans; 0 and 1 hash and compare as False and True)."""
    combinations: dict[tuple[bool, ...], frozenset[str]] = {}
    for mask in range(2 ** len(fields)):
        given = tuple(bool(mask >> index & 1) for index in range(len(fields)))
        combinations[given] = frozenset(
            channel for channel, field in CONSENT_OF_CHANNEL.items() if given[fields.index(field)]
        )
    return combinations
