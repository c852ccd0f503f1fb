"""The steps of a ticket's life that are not contacts (store.ticket_events owns them). Apart from
the tickets so a search, which never reads them, does not load them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

import store.models.tickets  # noqa: F401  (foreign keys: ticketevent.ticket_id -> ticket)
from store.models.base import created_at_field, text_field


class TicketEvent(SQLModel, table=True):
    """One step in a ticket's life that is not a contact: a reassignment, an escalation, a
    priority change, an internal note, a close or reopen; who did it and what changed."""

    __tablename__ = "ticketevent"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    at: datetime = created_at_field()
    actor: str = text_field(max_length=64)
    kind: str = text_field(max_length=20)
    old_value: str = text_field(max_length=200)
    new_value: str = text_field(max_length=200)
    note: str = Field(default="", max_length=4000)
