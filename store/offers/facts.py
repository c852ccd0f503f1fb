"""What the rules and suppressions read about one customer, loaded with a few indexed queries.

Eligibility runs during the screen pop, so it must never scan other customers: every query
below filters on `customer_id` (or the holding ids just read), each backed by an index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from store.models import Customer, Holding, HoldingStatus, Product, Ticket, TicketStatus, Warranty
from store.models.offers import OfferPresentation

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


def load_facts(session: Session, customer_id: int, *, history_since: date) -> CustomerFacts | None:
    """The customer's facts, with their offer answers since `history_since`; None if unknown."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    return CustomerFacts(
        customer_id=customer_id,
        segment=customer.segment,
        birth_date=customer.birth_date,
        customer_since=customer.created_at.date(),
        loyalty_tier=customer.loyalty_tier,
        loyalty_points=customer.loyalty_points,
        consented_channels=frozenset(
            channel for channel, field in CONSENT_OF_CHANNEL.items() if getattr(customer, field)
        ),
        collections=customer.collections,
        holdings=_holdings(session, customer_id),
        open_ticket_categories=tuple(
            session.exec(
                select(Ticket.category).where(
                    Ticket.customer_id == customer_id,
                    Ticket.status.in_([TicketStatus.OPEN, TicketStatus.PENDING]),  # type: ignore[attr-defined]
                )
            ).all()
        ),
        answers=_answers(session, customer_id, history_since),
    )


def _holdings(session: Session, customer_id: int) -> tuple[HeldItem, ...]:
    latest_warranty = (
        select(Warranty.holding_id, sa.func.max(Warranty.ends_on).label("ends_on"))
        .join(Holding, Holding.id == Warranty.holding_id)  # type: ignore[arg-type]
        .where(Holding.customer_id == customer_id)
        .group_by(Warranty.holding_id)
        .subquery()
    )
    rows = session.exec(
        select(Holding, Product.code, Product.name, Product.category, latest_warranty.c.ends_on)
        .join(Product, Product.id == Holding.product_id)  # type: ignore[arg-type]
        .outerjoin(latest_warranty, latest_warranty.c.holding_id == Holding.id)
        .where(Holding.customer_id == customer_id, Holding.status != HoldingStatus.CLOSED)
    ).all()
    return tuple(
        HeldItem(
            product_code=code,
            product_name=name,
            category=str(category),
            reference=holding.reference,
            opened_on=holding.opened_on,
            balance=holding.balance,
            price_paid=holding.price_paid,
            warranty_ends_on=ends_on,
        )
        for holding, code, name, category, ends_on in rows
    )


def _answers(session: Session, customer_id: int, since: date) -> tuple[PastAnswer, ...]:
    since_instant = datetime.combine(since, time(), tzinfo=UTC)
    rows = session.exec(
        select(OfferPresentation).where(
            OfferPresentation.customer_id == customer_id, OfferPresentation.presented_at >= since_instant
        )
    ).all()
    return tuple(
        PastAnswer(
            call_id=row.call_id, offer_code=row.offer_code, response=row.response, on=row.presented_at.date()
        )
        for row in rows
    )
