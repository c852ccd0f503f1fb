"""What the rules and suppressions read about one customer, loaded with a few indexed queries.

Eligibility runs during the screen pop, so it must never scan other customers: every query
below filters on `customer_id` (or the holding ids just read), each backed by an index.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal

import sqlalchemy as sa

from store.models import (
    Address,
    Customer,
    Holding,
    HoldingStatus,
    Product,
    ProductCategory,
    Ticket,
    TicketStatus,
    Warranty,
)
from store.models.base import table_of
from store.models.offers import OfferPresentation
from store.models.segments import CustomerChurn, CustomerRfm, SegmentMember
from store.profile.rows import mask_card
from store.sanitize import clean_line
from store.timeutil import UTCDateTime

CONSENT_OF_CHANNEL = {
    "voice": "consent_voice",
    "chat": "consent_voice",  # a live conversation: the same consent as a call
    "email": "consent_email",
    "sms": "consent_sms",
    "post": "consent_post",
}


@dataclass(frozen=True)
class HeldItem:
    """One product the customer holds now (closed holdings are left out)."""

    product_code: str
    product_name: str
    category: str
    reference: str
    opened_on: date | None
    balance: Decimal | None
    price_paid: Decimal | None
    warranty_ends_on: date | None
    """The latest end of any warranty on it (an extended one pushes it out)."""

    @property
    def label(self) -> str:
        return f"{self.product_name} {self.reference}".strip()


@dataclass(frozen=True)
class PastAnswer:
    """An earlier response of this customer to an offer."""

    call_id: str
    offer_code: str
    response: str
    on: date


@dataclass(frozen=True)
class CustomerFacts:
    """A detached snapshot of one customer, enough to decide every offer."""

    customer_id: int
    segment: str
    birth_date: date | None
    customer_since: date
    loyalty_tier: str
    loyalty_points: int
    consented_channels: frozenset[str]
    collections: bool
    holdings: tuple[HeldItem, ...] = ()
    open_ticket_categories: tuple[str, ...] = ()
    answers: tuple[PastAnswer, ...] = ()
    # --- computed marketing facts (store/segments, store/churn) ---
    segments: frozenset[str] = frozenset()
    """The customer's RFM segment and the rule segments they are in, as of the last refresh."""
    churn_risk: float | None = None
    closed_categories: frozenset[str] = frozenset()
    """Categories of products the customer held and closed."""
    mail_returned: bool = False
    """Every current postal address returns mail (undeliverable): nothing may go by post."""


_CID = sa.bindparam("customer_id", type_=sa.Integer)
_customer = table_of(Customer).c
_CUSTOMER = sa.select(
    _customer.segment, _customer.birth_date, _customer.created_at, _customer.loyalty_tier,
    _customer.loyalty_points, _customer.collections, *(_customer[f] for f in CONSENT_OF_CHANNEL.values()),
).where(_customer.id == _CID)  # fmt: skip
_holding, _product, _warranty = table_of(Holding).c, table_of(Product).c, table_of(Warranty).c
_HOLDINGS = (
    sa.select(
        _holding.id,
        _product.code,
        _product.name,
        _product.category,
        _holding.reference,
        _holding.opened_on,
        _holding.balance,
        _holding.price_paid,
    )  # fmt: skip
    .join(table_of(Product), _product.id == _holding.product_id)
    .where(_holding.customer_id == _CID, _holding.status != HoldingStatus.CLOSED.value)
)
# A separate lookup by the holding ids just read: a join or a max() subquery let PostgreSQL pick a
# scan of every warranty when its statistics were off; `holding_id IN (...)` always uses the index.
_WARRANTY_ENDS = sa.select(_warranty.holding_id, _warranty.ends_on).where(
    _warranty.holding_id.in_(sa.bindparam("holding_ids", expanding=True))
)
_ticket = table_of(Ticket).c
_OPEN_TICKETS = sa.select(_ticket.category).where(
    _ticket.customer_id == _CID, _ticket.status.in_([TicketStatus.OPEN.value, TicketStatus.PENDING.value])
)
_answer = table_of(OfferPresentation).c
_ANSWERS = sa.select(_answer.call_id, _answer.offer_code, _answer.response, _answer.presented_at).where(
    _answer.customer_id == _CID, _answer.presented_at >= sa.bindparam("since", type_=UTCDateTime)
)

_rfm, _member, _churn = table_of(CustomerRfm).c, table_of(SegmentMember).c, table_of(CustomerChurn).c
_SEGMENTS = sa.union_all(
    sa.select(_rfm.rfm_segment).where(_rfm.customer_id == _CID, _rfm.rfm_segment != ""),
    sa.select(_member.segment).where(_member.customer_id == _CID),
)
_CHURN = sa.select(_churn.risk).where(_churn.customer_id == _CID)
_CLOSED = (
    sa.select(_product.category)
    .join(table_of(Holding), _product.id == _holding.product_id)
    .where(_holding.customer_id == _CID, _holding.status == HoldingStatus.CLOSED.value)
    .distinct()
)
_address = table_of(Address).c
_POSTAL = sa.select(_address.undeliverable).where(_address.customer_id == _CID, _address.valid_to.is_(None))


def with_computed(connection: sa.Connection, facts: CustomerFacts) -> CustomerFacts:
    """`facts` with the derived fields read: segments, churn risk, closed products, returned mail."""
    key = {"customer_id": facts.customer_id}
    postal = list(connection.execute(_POSTAL, key).scalars())
    return replace(
        facts,
        segments=frozenset(connection.execute(_SEGMENTS, key).scalars()),
        churn_risk=connection.execute(_CHURN, key).scalar(),
        closed_categories=frozenset(connection.execute(_CLOSED, key).scalars()),
        mail_returned=bool(postal) and all(postal),
    )


def load_facts(connection: sa.Connection, customer_id: int, *, history_since: date) -> CustomerFacts | None:
    """The customer's facts, with their offer answers since `history_since`; None if unknown.

    Plain Core statements built once at import: this runs on every screen pop, and ORM entity
    loading cost more than the queries themselves."""
    key = {"customer_id": customer_id}
    customer = connection.execute(_CUSTOMER, key).first()
    if customer is None:
        return None
    since = {**key, "since": datetime.combine(history_since, time(), tzinfo=UTC)}
    facts = CustomerFacts(
        customer_id=customer_id,
        segment=customer.segment,
        birth_date=customer.birth_date,
        customer_since=customer.created_at.date(),
        loyalty_tier=customer.loyalty_tier,
        loyalty_points=customer.loyalty_points,
        consented_channels=frozenset(
            channel for channel, field in CONSENT_OF_CHANNEL.items() if customer._mapping[field]
        ),
        collections=customer.collections,
        holdings=_holdings(connection, key),
        open_ticket_categories=tuple(connection.execute(_OPEN_TICKETS, key).scalars()),
        answers=tuple(
            PastAnswer(
                call_id=row.call_id,
                offer_code=row.offer_code,
                response=row.response,
                on=row.presented_at.date(),
            )  # fmt: skip
            for row in connection.execute(_ANSWERS, since)
        ),
    )
    return with_computed(connection, facts)


def shown_reference(category: str, reference: str) -> str:
    """What a "why" may quote: a card number only masked (first 6 / last 4), as the profile shows it."""
    reference = clean_line(reference)
    return mask_card(reference) if category == ProductCategory.CREDIT_CARD else reference


def _holdings(connection: sa.Connection, key: dict[str, int]) -> tuple[HeldItem, ...]:
    rows = connection.execute(_HOLDINGS, key).all()
    ends: dict[int, date] = {}
    if rows:
        for holding_id, ends_on in connection.execute(_WARRANTY_ENDS, {"holding_ids": [r.id for r in rows]}):
            ends[holding_id] = max(ends_on, ends.get(holding_id, ends_on))
    return tuple(
        HeldItem(
            product_code=row.code,
            product_name=clean_line(row.name),
            category=row.category,
            reference=shown_reference(row.category, row.reference),
            opened_on=row.opened_on,
            balance=row.balance,
            price_paid=row.price_paid,
            warranty_ends_on=ends.get(row.id),
        )  # fmt: skip
        for row in rows
    )
