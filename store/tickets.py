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
from sqlmodel import Session, col, select

from store import audit
from store.db import read_session, write_session
from store.messages import N_
from store.models import Customer, Operator, Phone, Ticket, TicketPriority, TicketStatus
from store.models.callbacks import Callback, CallbackStatus
from store.models.calls import Call
from store.policy import Action, Actor, Forbidden, allowed, require
from store.sanitize import clean_line
from store.sla import active_sla
from store.ticket_events import announce_ticket_change, record_event
from store.timeutil import utcnow

TICKET_NUMBER = re.compile(r"TK-\d{6}-[0-9A-F]{6}")
"""The one ticket number format: "TK-", the opening day (YYMMDD), "-", six hex digits."""
_BULK_SERIALS = 0x100000
"""Bulk loads number tickets below this; tickets opened one by one draw above it, so never collide."""


def ticket_number(opened: datetime, serial: int | None = None) -> str:
    """A ticket number (TICKET_NUMBER) for a ticket opened at `opened`: random, or from `serial`
    (below 0x100000) for a bulk load that must be reproducible."""
    if serial is None:
        serial = _BULK_SERIALS + secrets.randbelow(0x1000000 - _BULK_SERIALS)
    elif not 0 <= serial < _BULK_SERIALS:
        raise ValueError(f"bulk ticket serial {serial} out of range")
    return f"TK-{opened:%y%m%d}-{serial:06X}"


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


def apply_ticket_change(
    session: Session, change: TicketChange, *, customer_id: int, now: datetime, operator: str = ""
) -> int:
    """Write `change` in `session`'s transaction and return the ticket id.

    A ticket closed (or resolved) since the wrap-up picked it is not reopened: the call is still
    logged on it (the caller links the interaction), its status and fields stay as the supervisor
    left them, and its history says a contact came after the close. The operator meant to log the
    call on that case, not to undo someone's close; a supervisor reopens it if it needs work.
    """
    if change.status not in set(TicketStatus) or change.priority not in set(TicketPriority):
        raise FollowUpError(
            N_(
                "unknown ticket status {status} or priority {priority}",
                status=repr(change.status),
                priority=repr(change.priority),
            )
        )
    if change.ticket_id is None:
        ticket = Ticket(
            number=ticket_number(now),
            customer_id=customer_id,
            subject=clean_line(change.subject)[:200] or "Follow-up",
            team=session.exec(select(Operator.team).where(Operator.username == operator)).first() or "",
            created_at=now,
        )  # the team of the operator who opened it works it (its supervisor sees it in the queue)
        session.add(ticket)
    else:
        found = session.get(Ticket, change.ticket_id, with_for_update=True)
        if found is None or found.customer_id != customer_id:
            raise FollowUpError(N_("ticket {ticket} is not this customer's", ticket=change.ticket_id))
        ticket = found
        if not TicketStatus(ticket.status).is_open:
            note = "a call was logged after the ticket was closed; it stays closed"
            record_event(
                session, found.id or 0, operator, "late_contact", str(ticket.status), str(ticket.status), note
            )
            announce_ticket_change(session, found, "late_contact")
            return found.id or 0
        ticket.version += 1
    ticket.status = TicketStatus(change.status)
    ticket.priority = _raised(ticket.priority, TicketPriority(change.priority), new=change.ticket_id is None)
    ticket.category = clean_line(change.category)[:40] or ticket.category
    ticket.assignee = clean_line(change.assignee)[:64] or ticket.assignee
    ticket.updated_at = now
    if change.ticket_id is not None:
        ticket.first_response_at = ticket.first_response_at or now
    resolved = not ticket.status.is_open
    ticket.resolved_at = now if resolved else None
    ticket.sla_due = active_sla().next_due(
        priority=ticket.priority,
        category=ticket.category,
        created_at=ticket.created_at,
        first_response_at=ticket.first_response_at,
        resolved=resolved,
    )
    session.flush()
    assert ticket.id is not None
    announce_ticket_change(session, ticket, "opened" if change.ticket_id is None else "updated")
    return ticket.id


def callbacks_for(engine: Engine, actor: Actor, *, everyone: bool = False) -> list[CallbackItem]:
    """Open callbacks by due time: the actor's own, or (`everyone`) the callback queue of every
    operator's, which shows other operators' customers: Forbidden unless the actor's role reaches
    callbacks that are not its own.

    A callback promised without its own number or note shows the number the call came from (else
    the customer's primary one) and the wrap-up's note: what the operator needs to call back.
    """
    if everyone and not allowed(actor.role, Action.CLOSE_CALLBACK, own=False):
        raise Forbidden(actor, Action.CLOSE_CALLBACK)
    primary_phone = (
        select(Phone.e164)
        .where(Phone.customer_id == Callback.customer_id)
        .order_by(Phone.is_primary.desc(), Phone.id)  # type: ignore[attr-defined, arg-type]
        .limit(1)
        .correlate(Callback)
        .scalar_subquery()
    )
    query = (
        sa.select(
            Callback, col(Customer.display_name), col(Call.caller_number), col(Call.notes), primary_phone
        )
        .join(Customer, col(Customer.id) == col(Callback.customer_id), isouter=True)
        .join(Call, col(Call.call_id) == col(Callback.call_id), isouter=True)
        .where(col(Callback.status) == CallbackStatus.OPEN)
        .order_by(col(Callback.due_at), col(Callback.id))
    )
    if not everyone:
        query = query.where(col(Callback.assignee) == actor.username)
    with read_session(engine) as session:
        return [
            CallbackItem(
                row.id or 0,
                row.customer_id,
                name or "",
                row.assignee,
                row.due_at,
                row.phone or caller or phone or "",
                row.note or clean_line(notes)[:500],
                row.status,
            )
            for row, name, caller, notes, phone in session.execute(query).all()
        ]


def close_callback(
    engine: Engine, actor: Actor, callback_id: int, status: CallbackStatus = CallbackStatus.DONE
) -> bool:
    """Mark an open callback done (or cancelled); False if it was not open any more. Operators
    close their own; supervisors and admins anyone's (store.policy). Audited."""
    with write_session(engine) as session:
        row = session.get(Callback, callback_id)
        if row is None or row.status != CallbackStatus.OPEN:
            return False
        require(actor, Action.CLOSE_CALLBACK, owner=row.assignee)
        result = session.execute(
            sa.update(Callback)
            .where(Callback.id == callback_id, Callback.status == CallbackStatus.OPEN)  # type: ignore[arg-type]
            .values(status=status, done_at=utcnow())
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        detail = {"callback": callback_id, "status": str(status), "assignee": row.assignee}
        audit.record(session, actor.username, "callback.close", customer_id=row.customer_id, detail=detail)
        return True


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
            raise FollowUpError(N_("callback time {text} is in the past", text=text))
        return when.astimezone(UTC)
    raise FollowUpError(N_("callback time {text}: use +2h, 14:30 or 2026-12-01 09:15", text=repr(text)))


def _raised(current: TicketPriority, asked: TicketPriority, *, new: bool) -> TicketPriority:
    """A wrap-up may raise an open ticket's priority, never lower it: its form starts at "normal",
    and taking that as an answer would silently undo a supervisor's escalation."""
    if new:
        return asked
    ladder = list(TicketPriority)
    return max(current, asked, key=ladder.index)
