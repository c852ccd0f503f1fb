"""Everything around a customer beyond contact details: holdings, tickets, calls, campaign contacts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from store.demo.batch import Batch
from store.demo.customers import CustomerFacts
from store.demo.history import add_calls, add_campaign_contacts, add_tickets
from store.demo.holdings import Owner, add_holdings
from store.models import CustomerStatus

CHURN_COMPLAINTS = 0.7
"""Share of leavers with complaints in the 90 days before they left (others: a few at random)."""


@dataclass(frozen=True)
class DemoContext:
    """What every customer's story refers to: the day it is, and the reference rows' ids."""

    today: date
    now: datetime
    product_ids: dict[str, int]
    campaign_ids: dict[str, int]


@dataclass(frozen=True)
class StoryPlan:
    """Fixed parts of a memorable customer's story; empty fields are drawn at random."""

    products: tuple[str, ...] = ()
    warranty_in_days: int | None = None
    """Standard warranties on appliances end this many days after `today` (negative: ended)."""
    ticket_category: str | None = None


def add_story(
    rng: random.Random,
    batch: Batch,
    customer: CustomerFacts,
    context: DemoContext,
    plan: StoryPlan | None = None,
) -> None:
    plan = plan or StoryPlan()
    count = 0
    if customer.status is CustomerStatus.ACTIVE:
        count = rng.choices((1, 2, 3, 4, 5, 6), weights=(22, 28, 22, 14, 9, 5))[0]
    elif customer.status is CustomerStatus.FORMER:
        count = rng.randint(1, 3)
    holdings = []
    if count or plan.products:
        owner = Owner(
            customer.id,
            customer.country,
            customer.segment,
            customer.since,
            customer.left_on,
            customer.collections,
            _days_from(context.today, plan.warranty_in_days),
        )
        holdings = add_holdings(rng, batch, owner, context.product_ids, context.today, count, plan.products)
    tickets = rng.choices((0, 1, 2, 3, 4), weights=(50, 28, 12, 6, 4))[0]
    if customer.left_on is not None and rng.random() < CHURN_COMPLAINTS:
        # The churn signal: who leaves has usually complained and called in the weeks before.
        add_tickets(rng, batch, customer, holdings, context.today, rng.randint(1, 3),
                    category="complaint", before=customer.left_on)  # fmt: skip
    if plan.ticket_category:
        add_tickets(rng, batch, customer, holdings, context.today, 1, category=plan.ticket_category)
    add_tickets(rng, batch, customer, holdings, context.today, tickets)
    if customer.phones:
        calls = rng.choices((0, 1, 2, 3), weights=(45, 35, 14, 6))[0]
        add_calls(rng, batch, customer, customer.phones, context.now, calls)
    add_campaign_contacts(rng, batch, customer, context.campaign_ids, context.today)


def _days_from(today: date, days: int | None) -> date | None:
    return None if days is None else today + timedelta(days=days)
