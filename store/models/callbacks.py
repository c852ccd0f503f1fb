"""Callbacks promised to a customer during a wrap-up: the operator's list and the supervisor's queue."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import store.models.customers  # noqa: F401  (foreign keys: callback.customer_id -> customer)
from store.models.base import created_at_field, enum_field, text_field, timestamp_field
from store.timeutil import UTCDateTime


class CallbackStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Callback(SQLModel, table=True):
    """A call back at `due_at` owed by `assignee`. `call_id` (the call that promised it) is unique,
    so replaying a journaled wrap-up never promises the same callback twice."""

    __table_args__ = (  # the callbacks report reads this index alone (0014_reports)
        sa.Index("ix_callback_reports", "due_at", "assignee", "status", "done_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: str | None = Field(default=None, max_length=64, unique=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True, ondelete="CASCADE")
    assignee: str = text_field(max_length=64, index=True)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    phone: str = text_field(max_length=32)
    note: str = text_field(max_length=500)
    status: CallbackStatus = enum_field(CallbackStatus.OPEN, index=True)
    created_by: str = text_field(max_length=64)
    created_at: datetime = created_at_field()
    done_at: datetime | None = timestamp_field()
