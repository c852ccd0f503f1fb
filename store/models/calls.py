"""A call or chat session, from the first ring to the wrap-up."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.models.base import created_at_field, enum_field, text_field, timestamp_field
from store.models.customers import Channel


class CallStatus(StrEnum):
    """Where a call stands: `wrap_up` is answered and ended, waiting for its outcome; `missed`
    rang out unanswered; `abandoned`, the caller hung up (or left the chat) before an answer."""

    RINGING = "ringing"
    ANSWERED = "answered"
    WRAP_UP = "wrap_up"
    DONE = "done"
    MISSED = "missed"
    ABANDONED = "abandoned"


class Call(SQLModel, table=True):
    """One call or chat. `call_id` comes from the telephony side (or is made up for a manual
    lookup) and is unique, so replaying a logged outcome is idempotent."""

    __table_args__ = (
        # The reports read this index alone (0014_reports, 0019_call_next); the triggers keeping
        # `next_rang_at` find a call's neighbours on its customer and reason through the second.
        sa.Index(
            "ix_call_reports",
            "rang_at",
            "operator",
            "reason",
            "outcome",
            "customer_id",
            "campaign_code",
            "answered_at",
            "ended_at",
            "wrapped_at",
            "next_rang_at",
        ),
        sa.Index("ix_call_customer_reason_rang", "customer_id", "reason", "rang_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(max_length=64, unique=True, index=True)
    channel: Channel = enum_field(Channel.VOICE)
    direction: str = text_field("inbound", max_length=10)
    caller_number: str = text_field(max_length=32)
    extension: str = text_field(max_length=16, index=True)
    operator: str = text_field(max_length=64, index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True, ondelete="SET NULL")
    status: CallStatus = enum_field(CallStatus.RINGING, index=True)
    rang_at: datetime = created_at_field()
    answered_at: datetime | None = timestamp_field()
    ended_at: datetime | None = timestamp_field()
    wrapped_at: datetime | None = timestamp_field()
    reason: str = text_field(max_length=40)
    outcome: str = text_field(max_length=40, index=True)
    notes: str = Field(default="", max_length=8000)
    campaign_code: str = text_field(max_length=40)
    next_rang_at: datetime | None = timestamp_field()
    """When the same customer next called about the same reason (NULL: not yet, or no customer).
    Database triggers keep it on every write of `call` (0019_call_next): never set it here."""
