"""A supervisor's review of one ticket: its whole timeline, and the changes they make to it.

Every change names the version of the ticket the supervisor was looking at. A ticket moved on
since (another supervisor, a wrap-up) refuses the change with StaleTicket: two people editing one
ticket never overwrite each other silently. Each change writes a TicketEvent (the ticket's own
history) and an audit record, and publishes `ticket:<id>` so open queues update that row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import audit
from store.db import read_session, write_session
from store.messages import N_
from store.models import Customer, Interaction, Ticket, TicketEvent, TicketPriority, TicketStatus
from store.models.calls import Call
from store.models.offers import OfferPresentation
from store.policy import Action, Actor, require
from store.sanitize import clean_line, clean_text
from store.sla import active_sla
from store.ticket_events import announce_ticket_change, record_event
from store.tickets_queue import QueueRow
from store.timeutil import utcnow

LADDER = tuple(TicketPriority)
"""Priorities from the lowest: escalating moves a ticket one step up."""
TIMELINE_LIMIT = 1000


class StaleTicket(Exception):
    """The ticket changed since the actor read it; nothing was written."""

    def __init__(self, number: str, expected: int, current: int) -> None:
        super().__init__(
            N_(
                "ticket {number} was changed by someone else (version {current}, you had {expected}):"
                " reload it",
                number=number,
                current=current,
                expected=expected,
            )
        )
        self.number, self.expected, self.current = number, expected, current


class ReviewError(ValueError):
    """A change that cannot apply (no resolution note, already at the top priority, gone)."""


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str
    """"contact" (a call, chat or e-mail), "offer", or a TicketEvent kind (note, reassign, ...)."""
    who: str
    text: str


@dataclass(frozen=True)
class Review:
    ticket: QueueRow
    resolution: str
    first_response_at: datetime | None
    timeline: tuple[TimelineItem, ...]


def _locked(session: Session, actor: Actor, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id, with_for_update=True)
    if ticket is None:
        raise ReviewError(N_("ticket {ticket} no longer exists", ticket=ticket_id))
    require(actor, Action.REVIEW_TICKET, owner=ticket.assignee, team=ticket.team)
    return ticket


def load_review(engine: Engine, actor: Actor, ticket_id: int) -> Review:
    """Ticket `ticket_id` with every contact, offer and event on it, oldest first."""
    with read_session(engine) as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise ReviewError(N_("ticket {ticket} no longer exists", ticket=ticket_id))
        require(actor, Action.REVIEW_TICKET, owner=ticket.assignee, team=ticket.team)
        customer = session.get(Customer, ticket.customer_id)
        items: list[TimelineItem] = []
        contacts = session.exec(
            select(Interaction).where(col(Interaction.ticket_id) == ticket_id).limit(TIMELINE_LIMIT)
        ).all()
        for contact in contacts:
            items.append(TimelineItem(contact.occurred_at, "contact", contact.operator, contact.summary))
        # A wrap-up writes its call and the ticket's interaction at one instant: the offers of that call.
        offers = session.exec(
            select(OfferPresentation)
            .join(Call, col(Call.call_id) == col(OfferPresentation.call_id))
            .join(
                Interaction,
                (col(Interaction.occurred_at) == col(Call.wrapped_at))
                & (col(Interaction.customer_id) == col(Call.customer_id)),
            )
            .where(col(Interaction.ticket_id) == ticket_id)
            .limit(TIMELINE_LIMIT)
        ).all()
        for offer in offers:
            text = f"{offer.offer_code}: {offer.response}" + (f" ({offer.reason})" if offer.reason else "")
            items.append(TimelineItem(offer.presented_at, "offer", offer.operator, text))
        events = session.exec(
            select(TicketEvent).where(col(TicketEvent.ticket_id) == ticket_id).limit(TIMELINE_LIMIT)
        ).all()
        for event in events:
            change = f"{event.old_value} -> {event.new_value}" if event.old_value or event.new_value else ""
            text = "  ".join(part for part in (change, event.note) if part)
            items.append(TimelineItem(event.at, event.kind, event.actor, text))
        items.sort(key=lambda item: item.at)
        row = QueueRow(
            ticket_id,
            clean_line(ticket.number),
            clean_line(ticket.subject),
            ticket.customer_id,
            clean_line(customer.display_name if customer else ""),
            str(ticket.status),
            str(ticket.priority),
            clean_line(ticket.category),
            clean_line(ticket.assignee),
            clean_line(ticket.team),
            ticket.created_at,
            ticket.sla_due,
            ticket.version,
        )
        timeline = tuple(TimelineItem(i.at, i.kind, clean_line(i.who), clean_text(i.text)) for i in items)
        return Review(row, clean_text(ticket.resolution), ticket.first_response_at, timeline)


def _change(
    engine: Engine,
    actor: Actor,
    ticket_id: int,
    expected_version: int,
    kind: str,
    apply: Callable[[Ticket], tuple[str, str]],
    note: str = "",
) -> int:
    """Lock the ticket, check its version, `apply` the change (which returns the old and new
    value it moved), and record it. Returns the ticket's new version."""
    with write_session(engine) as session:
        ticket = _locked(session, actor, ticket_id)
        if ticket.version != expected_version:
            raise StaleTicket(ticket.number, expected_version, ticket.version)
        old, new = apply(ticket)
        now = utcnow()
        ticket.version += 1
        ticket.updated_at = now
        ticket.sla_due = active_sla().next_due(
            priority=ticket.priority,
            category=ticket.category,
            created_at=ticket.created_at,
            first_response_at=ticket.first_response_at,
            resolved=not TicketStatus(ticket.status).is_open,
        )
        session.add(ticket)
        record_event(session, ticket_id, actor.username, kind, old, new, note)
        announce_ticket_change(session, ticket, kind)
        detail = {"ticket": ticket.number, "kind": kind, "from": old, "to": new, "version": ticket.version}
        audit.record(session, actor.username, f"ticket.{kind}", customer_id=ticket.customer_id, detail=detail)
        return ticket.version


def reassign(engine: Engine, actor: Actor, ticket_id: int, expected_version: int, assignee: str) -> int:
    assignee = clean_line(assignee)[:64]

    def apply(ticket: Ticket) -> tuple[str, str]:
        old, ticket.assignee = ticket.assignee, assignee
        return old, assignee

    return _change(engine, actor, ticket_id, expected_version, "reassign", apply)


def set_priority(engine: Engine, actor: Actor, ticket_id: int, expected_version: int, priority: str) -> int:
    def apply(ticket: Ticket) -> tuple[str, str]:
        if priority not in set(TicketPriority):
            raise ReviewError(
                N_(
                    "unknown priority {priority}: one of {choices}",
                    priority=repr(priority),
                    choices=", ".join(TicketPriority),
                )
            )
        old, ticket.priority = str(ticket.priority), TicketPriority(priority)
        return old, priority

    return _change(engine, actor, ticket_id, expected_version, "priority", apply)


def escalate(engine: Engine, actor: Actor, ticket_id: int, expected_version: int, note: str = "") -> int:
    """One priority step up (urgent stays urgent but the escalation is still recorded)."""

    def apply(ticket: Ticket) -> tuple[str, str]:
        old = TicketPriority(ticket.priority)
        ticket.priority = LADDER[min(LADDER.index(old) + 1, len(LADDER) - 1)]
        return str(old), str(ticket.priority)

    return _change(engine, actor, ticket_id, expected_version, "escalate", apply, note)


def add_note(engine: Engine, actor: Actor, ticket_id: int, expected_version: int, note: str) -> int:
    """An internal note (never shown to the customer)."""
    if not clean_text(note).strip():
        raise ReviewError(N_("an internal note needs some text"))
    return _change(engine, actor, ticket_id, expected_version, "note", lambda _t: ("", ""), note)


def close(engine: Engine, actor: Actor, ticket_id: int, expected_version: int, resolution: str) -> int:
    """Close the ticket with its resolution note (required: what was done for the customer)."""
    resolution = clean_text(resolution).strip()[:4000]
    if not resolution:
        raise ReviewError(N_("closing a ticket needs a resolution note"))

    def apply(ticket: Ticket) -> tuple[str, str]:
        old = str(ticket.status)
        ticket.status, ticket.resolution = TicketStatus.CLOSED, resolution
        ticket.resolved_at = ticket.resolved_at or utcnow()
        return old, str(TicketStatus.CLOSED)

    return _change(engine, actor, ticket_id, expected_version, "close", apply, resolution)


ACTIONS: dict[str, Callable[[Engine, Actor, int, int, str], int]] = {
    "reassign": reassign,
    "priority": set_priority,
    "escalate": escalate,
    "note": add_note,
    "close": close,
}


@dataclass(frozen=True)
class BulkResult:
    done: list[int]
    stale: list[str]
    """Numbers of the tickets that had changed meanwhile (left alone)."""


def bulk(
    engine: Engine, actor: Actor, action: str, tickets: Iterable[tuple[int, int]], value: str
) -> BulkResult:
    """Apply one action to many (ticket id, expected version) pairs, each in its own transaction:
    the ones that moved meanwhile are listed, not overwritten."""
    change = ACTIONS.get(action)
    if change is None:
        raise ReviewError(
            N_("unknown action {action}: one of {choices}", action=repr(action), choices=", ".join(ACTIONS))
        )
    done, stale = [], []
    for ticket_id, version in tickets:
        try:
            change(engine, actor, ticket_id, version, value)
            done.append(ticket_id)
        except StaleTicket as error:
            stale.append(error.number)
    return BulkResult(done, stale)
