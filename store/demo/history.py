"""A demo customer's past: tickets with their interactions, calls, and campaign contacts."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from store.demo.batch import Batch
from store.demo.catalogue import ProductSpec
from store.demo.customers import CustomerFacts, at
from store.demo.staff import AGENTS, CAMPAIGNS
from store.models import Channel, CustomerStatus, TicketPriority, TicketStatus
from store.models import ProductCategory as Cat
from store.tickets import ticket_number
from store.wrapup.config import load_outcomes

# category -> (product categories a ticket of it is about, subjects)
_TICKETS: dict[str, tuple[tuple[Cat, ...], tuple[str, ...]]] = {
    "billing": ((Cat.CURRENT_ACCOUNT,), ("Unexpected fee on statement", "Direct debit taken twice")),
    "card": (
        (Cat.CREDIT_CARD,),
        ("Card blocked abroad", "Lost card, replacement needed", "Contactless refused"),
    ),
    "loan": ((Cat.MORTGAGE, Cat.CAR_LOAN), ("Change of payment date", "Early repayment quote")),
    "warranty": ((Cat.APPLIANCE,), ("Repair under warranty", "Question about extended warranty")),
    "delivery": ((Cat.APPLIANCE,), ("Delivery delayed", "Item arrived damaged")),
    "complaint": (
        (),
        (
            "Complaint about branch service",
            "Complaint: repair took too long",
            "Complaint about waiting time on the phone",
        ),
    ),
    "account": ((), ("Change of address", "Update contact details")),
    "fraud": ((Cat.CREDIT_CARD, Cat.CURRENT_ACCOUNT), ("Suspicious transaction",)),
}
_UPDATES = (
    "asked for documents",
    "escalated to back office",
    "called back, no answer",
    "sent an update by e-mail",
    "customer sent the requested papers",
    "technician visit booked",
)
_RESOLUTIONS = (
    "refund issued",
    "replacement sent",
    "explained the charge, customer satisfied",
    "repair completed",
    "details updated",
    "goodwill gesture offered",
)
_SLA_HOURS = {
    TicketPriority.LOW: 168,
    TicketPriority.NORMAL: 72,
    TicketPriority.HIGH: 24,
    TicketPriority.URGENT: 4,
}
# Past calls carry the codes a wrap-up would have logged: the built-in outcomes file's.
_WRAPUP_CODES = load_outcomes()
_CALL_REASONS = tuple(reason.key for reason in _WRAPUP_CODES.reasons)
_CALL_OUTCOMES = tuple(outcome.key for outcome in _WRAPUP_CODES.outcomes)
_ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def add_tickets(
    rng: random.Random,
    batch: Batch,
    customer: CustomerFacts,
    holdings: list[tuple[int, ProductSpec]],
    today: date,
    count: int,
    *,
    category: str | None = None,
    before: date | None = None,
) -> None:
    """`count` tickets, each with 1-5 interactions, about the customer's holdings where it fits;
    with `before`, opened in the 90 days before that date (and closed since)."""
    for _ in range(count):
        chosen = category or rng.choice(tuple(_TICKETS))
        about, subjects = _TICKETS[chosen]
        matching = [holding for holding in holdings if holding[1].category in about]
        if about and not matching:
            chosen, matching = "complaint" if rng.random() < 0.4 else "account", []
            subjects = _TICKETS[chosen][1]
        holding_id, product = rng.choice(matching) if matching else (None, None)
        subject = rng.choice(subjects) + (f": {product.name}" if product else "")
        _add_ticket(rng, batch, customer, holding_id, chosen, subject, today, before)


def _add_ticket(
    rng: random.Random,
    batch: Batch,
    customer: CustomerFacts,
    holding_id: int | None,
    category: str,
    subject: str,
    today: date,
    before: date | None = None,
) -> None:
    status = rng.choices(tuple(TicketStatus), weights=(20, 15, 20, 45))[0]
    recent = status.is_open or customer.status is CustomerStatus.PROSPECT
    end = customer.left_on or today
    days_back = rng.randint(0, 45) if recent else rng.randint(0, max(0, (end - customer.since).days))
    if before is not None:
        status = rng.choice((TicketStatus.RESOLVED, TicketStatus.CLOSED))
        end, days_back = before, rng.randint(1, min(90, max(1, (before - customer.since).days)))
    created = at(end - timedelta(days=days_back), rng)
    priority = (
        TicketPriority.HIGH
        if category in ("complaint", "fraud") and rng.random() < 0.6
        else rng.choices(tuple(TicketPriority), weights=(20, 60, 15, 5))[0]
    )
    assignee = rng.choice(AGENTS).username
    ticket_id = batch.next_id("ticket")
    last_contact = _add_timeline(rng, batch, customer.id, ticket_id, status, subject, assignee, created)
    batch.add(
        "ticket",
        number=ticket_number(created, ticket_id),
        customer_id=customer.id,
        holding_id=holding_id,
        subject=subject,
        category=category,
        priority=priority,
        status=status,
        assignee=assignee,
        sla_due=created + timedelta(hours=_SLA_HOURS[priority]) if status.is_open else None,
        created_at=created,
        updated_at=last_contact,
    )


def _add_timeline(
    rng: random.Random,
    batch: Batch,
    customer_id: int,
    ticket_id: int,
    status: TicketStatus,
    subject: str,
    assignee: str,
    opened: datetime,
) -> datetime:
    """The interactions on one ticket; returns the time of the last one."""
    steps = rng.randint(1, 4) + (1 if not status.is_open else 0)
    when = opened
    for step in range(steps):
        if step == 0:
            summary, direction = f"Customer reported: {subject}.", "inbound"
        elif step == steps - 1 and not status.is_open:
            summary, direction = f"Closed: {rng.choice(_RESOLUTIONS)}.", "outbound"
        else:
            summary, direction = rng.choice(_UPDATES).capitalize() + ".", rng.choice(("inbound", "outbound"))
        channel = rng.choices((Channel.VOICE, Channel.CHAT, Channel.EMAIL), weights=(55, 20, 25))[0]
        operator = assignee if step else rng.choice(AGENTS).username
        batch.add(
            "interaction",
            customer_id=customer_id,
            ticket_id=ticket_id,
            channel=channel,
            direction=direction,
            operator=operator,
            occurred_at=when,
            summary=summary,
        )
        when += timedelta(hours=rng.randint(1, 72))
    return when - timedelta(hours=1)


def add_calls(
    rng: random.Random,
    batch: Batch,
    customer: CustomerFacts | None,
    numbers: list[str],
    now: datetime,
    count: int,
) -> None:
    """Past calls from `numbers` (a customer's phones, or strangers' when `customer` is None)."""
    for _ in range(count):
        agent = rng.choice(AGENTS)
        rang = now - timedelta(seconds=rng.randint(3600, 180 * 86400))
        answered = rang + timedelta(seconds=rng.randint(3, 90)) if rng.random() < 0.92 else None
        ended = (answered or rang) + timedelta(
            seconds=rng.randint(60, 1200) if answered else rng.randint(5, 60)
        )
        reason = rng.choice(_CALL_REASONS) if answered else ""
        outcome = rng.choice(_CALL_OUTCOMES) if answered else ""  # missed: nobody wrapped it up
        batch.add(
            "call",
            call_id=f"demo-{batch.next_id('call'):08d}",
            channel=Channel.VOICE,
            direction="inbound",
            caller_number=rng.choice(numbers),
            extension=agent.extension,
            operator=agent.username,
            customer_id=customer.id if customer else None,
            status="done",
            rang_at=rang,
            answered_at=answered,
            ended_at=ended,
            wrapped_at=ended + timedelta(seconds=rng.randint(10, 120)) if answered else None,
            reason=reason,
            outcome=outcome,
            notes=f"{reason.replace('_', ' ').capitalize()} call, {outcome.replace('_', ' ')}."
            if answered
            else "",
            campaign_code="",
        )


def add_campaign_contacts(
    rng: random.Random, batch: Batch, customer: CustomerFacts, campaign_ids: dict[str, int], today: date
) -> None:
    """Some campaigns reached the customer; posted ones bounce when the home address is undeliverable."""
    for campaign in CAMPAIGNS:
        if campaign.audience not in ("", customer.status) or rng.random() > 0.15:
            continue
        sent = campaign.starts_on(today) + timedelta(days=rng.randint(0, 10))
        returned = campaign.channel is Channel.POST and customer.undeliverable
        responded = None
        if not returned and rng.random() < 0.15:
            responded = min(today, sent + timedelta(days=rng.randint(3, 40)))
        batch.add(
            "campaigncontact",
            campaign_id=campaign_ids[campaign.code],
            customer_id=customer.id,
            sent_on=sent,
            coupon_code=f"{campaign.code}-{''.join(rng.choices(_ALNUM, k=6))}",
            responded_on=responded,
            returned_mail=returned,
        )
