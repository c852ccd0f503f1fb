"""Tickets and the timeline of interactions on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import store.models.products  # noqa: F401  (foreign keys: ticket.holding_id -> holding)
from store.models.base import created_at_field, enum_field, text_field, timestamp_field
from store.models.customers import Channel


class TicketStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self in (TicketStatus.OPEN, TicketStatus.PENDING)


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Ticket(SQLModel, table=True):
    """A case the business works on for a customer, possibly about one holding."""

    __table_args__ = (
        sa.Index("ix_ticket_queue_team_sla", "team", "sla_due", "id", "status"),
        sa.Index("ix_ticket_queue_team_created", "team", "created_at", "id", "status"),
        sa.Index("ix_ticket_queue_sla", "sla_due", "id", "status"),
        sa.Index("ix_ticket_queue_created", "created_at", "id", "status"),
        sa.Index("ix_ticket_reports", "created_at", "assignee", "team", "resolved_at", "sla_due"),
    )
    """The supervisor's queue pages by (sla_due, id) or (created_at, id), within a team (a
    supervisor) or across them (an admin); the status filter is read from the index. The tickets
    report reads its own index alone (0014_reports)."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True, index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    holding_id: int | None = Field(default=None, foreign_key="holding.id", ondelete="SET NULL")
    subject: str = text_field(max_length=200)
    category: str = text_field(max_length=40, index=True)
    priority: TicketPriority = enum_field(TicketPriority.NORMAL)
    status: TicketStatus = enum_field(TicketStatus.OPEN, index=True)
    assignee: str = text_field(max_length=64, index=True)
    team: str = text_field(max_length=40, index=True)
    """The team that works the ticket (a supervisor steers their team's tickets)."""
    sla_due: datetime | None = timestamp_field()
    first_response_at: datetime | None = timestamp_field()
    resolved_at: datetime | None = timestamp_field()
    resolution: str = Field(default="", max_length=4000)
    version: int = Field(default=1, nullable=False)
    """Bumped by every change: a writer that read an older version is refused, never overwrites."""
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class Interaction(SQLModel, table=True):
    """One contact with the customer (a call, chat or e-mail), on a ticket or on its own."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True, ondelete="CASCADE")
    channel: Channel = enum_field(Channel.VOICE)
    direction: str = text_field("inbound", max_length=10)
    operator: str = text_field(max_length=64)
    occurred_at: datetime = created_at_field()
    summary: str = Field(default="", max_length=4000)
