"""Follow-up work promised during a wrap-up: tickets opened or updated, and scheduled callbacks.

Screens get plain dataclasses (never live rows); writes take the caller's session so they join
the wrap-up's transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.db import read_session, write_session
from store.models import Customer, Ticket, TicketPriority, TicketStatus
from store.models.callbacks import Callback, CallbackStatus
from store.sanitize import clean_line
from store.timeutil import utcnow


class FollowUpError(ValueError):
    """A ticket change or callback that cannot apply (unknown status, someone else's ticket, a past time)."""


@dataclass(frozen=True)
class TicketChange:
    """Open a new ticket (`ticket_id` None) or update an open one of the same customer."""

    ticket_id: int | None = None
    subject: str = ""
    status: str = TicketStatus.OPEN
    priority: str = TicketPriority.NORMAL
    category: str = ""
    assignee: str = ""


@dataclass(frozen=True)
class OpenTicket:
    id: int
    number: str
    subject: str
    status: str
    priority: str
    category: str
    assignee: str


@dataclass(frozen=True)
class CallbackItem:
    id: int
    customer_id: int | None
    customer_name: str
    assignee: str
    due_at: datetime
    phone: str
    note: str
    status: str


def open_tickets(engine: Engine, customer_id: int) -> list[OpenTicket]:
    """The customer's open or pending tickets, newest first (what a wrap-up may update)."""
    with read_session(engine) as session:
        rows = session.exec(
            select(Ticket)
            .where(Ticket.customer_id == customer_id, Ticket.status.in_(["open", "pending"]))  # type: ignore[attr-defined]
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())  # type: ignore[attr-defined, union-attr]
        ).all()
        return [
            OpenTicket(t.id or 0, t.number, t.subject, t.status, t.priority, t.category, t.assignee)
            for t in rows
        ]


def apply_ticket_change(session: Session, change: TicketChange, *, customer_id: int, now: datetime) -> int:
    """Write `change` in `session`'s transaction and return the ticket id."""
    if change.status not in set(TicketStatus) or change.priority not in set(TicketPriority):
        raise FollowUpError(f"unknown ticket status {change.status!r} or priority {change.priority!r}")
    if change.ticket_id is None:
        ticket = Ticket(
            number=f"TK-{now:%y%m%d}-{secrets.token_hex(3).upper()}",
            customer_id=customer_id,
            subject=clean_line(change.subject)[:200] or "Follow-up",
            created_at=now,
        )
        session.add(ticket)
    else:
        found = session.get(Ticket, change.ticket_id, with_for_update=True)
        if found is None or found.customer_id != customer_id:
            raise FollowUpError(f"ticket {change.ticket_id} is not this customer's")
        ticket = found
    ticket.status = TicketStatus(change.status)
    ticket.priority = TicketPriority(change.priority)
    ticket.category = clean_line(change.category)[:40] or ticket.category
    ticket.assignee = clean_line(change.assignee)[:64] or ticket.assignee
    ticket.updated_at = now
    session.flush()
    assert ticket.id is not None
    return ticket.id


def callbacks_for(engine: Engine, assignee: str | None) -> list[CallbackItem]:
    """Open callbacks by due time: one operator's list, or (assignee None) the supervisor's queue."""
    query = (
        select(Callback, Customer.display_name)
        .join(Customer, Customer.id == Callback.customer_id, isouter=True)  # type: ignore[arg-type]
        .where(Callback.status == CallbackStatus.OPEN)
        .order_by(Callback.due_at, Callback.id)  # type: ignore[arg-type]
    )
    if assignee is not None:
        query = query.where(Callback.assignee == assignee)
    with read_session(engine) as session:
        return [
            CallbackItem(
                row.id or 0,
                row.customer_id,
                name or "",
                row.assignee,
                row.due_at,
                row.phone,
                row.note,
                row.status,
            )
            for row, name in session.exec(query).all()
        ]


def close_callback(engine: Engine, callback_id: int, status: CallbackStatus = CallbackStatus.DONE) -> bool:
    """Mark an open callback done (or cancelled); False if it was not open any more."""
    with write_session(engine) as session:
        result = session.execute(
            sa.update(Callback)
            .where(Callback.id == callback_id, Callback.status == CallbackStatus.OPEN)  # type: ignore[arg-type]
            .values(status=status, done_at=utcnow())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def parse_callback_time(text: str, now: datetime) -> datetime:
    """When to call back, as typed: "+2h", "+30m", "+1d", "14:30" (today, or tomorrow once past)
    or "2026-12-01 09:15", in the operator's local time zone; returned in UTC."""
    text = " ".join(text.split())
    local_now = now.astimezone()
    relative = re.fullmatch(r"\+(\d{1,4})([mhd])", text)
    if relative:
        amount, unit = int(relative[1]), relative[2]
        return now + timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
    for pattern in ("%H:%M", "%Y-%m-%d %H:%M"):
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if pattern == "%H:%M":
            parsed = datetime.combine(local_now.date(), parsed.time())
        when = parsed.astimezone()  # naive means the operator's local time, DST included
        if pattern == "%H:%M" and when <= local_now:
            when += timedelta(days=1)
        if when <= local_now:
            raise FollowUpError(f"callback time {text} is in the past")
        return when.astimezone(UTC)
    raise FollowUpError(f"callback time {text!r}: use +2h, 14:30 or 2026-12-01 09:15")
