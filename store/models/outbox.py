"""The outbox: events other systems must hear about, written in the writer's own transaction.

An event row appears exactly when the change it announces commits (a rolled-back wrap-up leaves
none). The dispatcher (store.outbox.deliver) fans each event out to one delivery row per endpoint
configured for its type, then delivers, retries and finally gives up on each row by itself: an
endpoint that is down delays only its own deliveries.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.base import created_at_field, enum_field, timestamp_field


class DeliveryStatus(StrEnum):
    """pending: not tried yet (or claimed right now); failed: tried, will be retried after
    `next_attempt_at`; delivered: a 2xx came back (never sent again); dead: gave up after the
    maximum attempts (`callpop outbox retry` revives it)."""

    PENDING = "pending"
    FAILED = "failed"
    DELIVERED = "delivered"
    DEAD = "dead"


class OutboxEvent(SQLModel, table=True):
    """One event: its id is the receivers' dedupe key (`X-Callpop-Event-Id`)."""

    __tablename__ = "outbox_event"

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36, primary_key=True)
    type: str = Field(max_length=40, nullable=False)
    payload: str = Field(sa_type=sa.Text, nullable=False)
    """JSON object: ids and codes only (store.outbox.enqueue checks it)."""
    created_at: datetime = created_at_field()
    fanned_out_at: datetime | None = timestamp_field(index=True)
    """When the dispatcher made its delivery rows; NULL: not yet."""


class OutboxDelivery(SQLModel, table=True):
    """One event to one endpoint (by the endpoint's name in the webhooks file)."""

    __tablename__ = "outbox_delivery"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "endpoint"),
        sa.Index("ix_outbox_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(foreign_key="outbox_event.id", max_length=36, index=True, ondelete="CASCADE")
    endpoint: str = Field(max_length=64, nullable=False)
    status: DeliveryStatus = enum_field(DeliveryStatus.PENDING)
    attempts: int = 0
    next_attempt_at: datetime = created_at_field()
    """When it is due; while claimed, when the claim's lease runs out (a dispatcher that died
    mid-send leaves it to be retried then)."""
    lease: str | None = Field(default=None, max_length=32)
    """The claim's token: only the dispatcher holding it may record the outcome."""
    last_error: str = Field(default="", max_length=300)
    """What went wrong last (status code or error class and message; no secret, no body)."""
    delivered_at: datetime | None = timestamp_field()
