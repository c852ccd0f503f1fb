"""What happens around every change to a ticket: a step in its own history, and the news of it
for the open queues (the change feed) and for the other systems (the outbox)."""

from __future__ import annotations

from sqlmodel import Session

from store.models import Ticket, TicketEvent
from store.notify import publish
from store.outbox import enqueue
from store.sanitize import clean_line, clean_text


def record_event(
    session: Session, ticket_id: int, who: str, kind: str, old: str, new: str, note: str
) -> None:
    """One step of the ticket's own history (the caller announces the change)."""
    session.add(
        TicketEvent(
            ticket_id=ticket_id,
            actor=who,
            kind=kind,
            old_value=clean_line(old)[:200],
            new_value=clean_line(new)[:200],
            note=clean_text(note)[:4000],
        )
    )


def announce_ticket_change(session: Session, ticket: Ticket, change: str) -> None:
    """Tell the other systems (store.outbox, `ticket.changed`) that `ticket` was `change`d
    ("opened", "updated", or the review's own word: "escalated", "closed"...), in the writer's
    transaction. Every ticket write calls it after its flush. Ids and codes only: the subject
    and notes are typed text and stay here. Open queues and reviews hear it on the change feed."""
    publish(session, "ticket", str(ticket.id))
    enqueue(
        session,
        "ticket.changed",
        {
            "ticket_id": ticket.id,
            "number": ticket.number,
            "customer_id": ticket.customer_id,
            "change": change,
            "status": str(ticket.status),
            "priority": str(ticket.priority),
            "category": ticket.category,
            "assignee": ticket.assignee,
            "team": ticket.team,
            "version": ticket.version,
            "updated_at": ticket.updated_at.isoformat(),
        },
    )
