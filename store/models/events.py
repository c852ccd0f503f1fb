"""The change feed's table, and the e-mail a chat arrived from.

`change_event` is an append-only log that writers fill inside their own transaction, so a
console learns about a ring or an edit exactly when (and only if) it was committed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import store.models.calls  # noqa: F401  (foreign keys: callemail.call_id -> call)
from store.models.base import created_at_field

# BIGINT on PostgreSQL; INTEGER on SQLite, where only "INTEGER PRIMARY KEY" is the rowid.
EVENT_ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class ChangeEventRecord(SQLModel, table=True):
    """One committed change: `topic` says what kind (`ring:100`, `customer`), `key` which one.

    AUTOINCREMENT on SQLite: ids are never reused after pruning, so a feed's "last seen id"
    stays meaningful.
    """

    __tablename__ = "change_event"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, sa_type=EVENT_ID_TYPE, primary_key=True)
    topic: str = Field(max_length=80, nullable=False)
    key: str = Field(max_length=120, nullable=False)
    created_at: datetime = created_at_field(index=True)


class CallEmail(SQLModel, table=True):
    """The e-mail address a chat came from (the `call` table only holds a phone number)."""

    __tablename__ = "call_email"

    call_id: int = Field(foreign_key="call.id", primary_key=True, ondelete="CASCADE")
    address: str = Field(max_length=254, nullable=False)
