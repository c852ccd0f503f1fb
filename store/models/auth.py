"""Console sessions, the hash-chained audit log and its per-customer keys (store.sessions,
store.audit and store.audit_seal own them)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import store.models.customers  # noqa: F401  (foreign keys: audit_key.customer_id -> customer)
from store.models.base import created_at_field, text_field, timestamp_field
from store.timeutil import UTCDateTime


class ConsoleSession(SQLModel, table=True):
    """One signed-in console (or CLI run): who, how, from where, until when."""

    __tablename__ = "consolesession"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(index=True)
    username: str = text_field(max_length=64)
    method: str = text_field(max_length=16)
    """How the operator proved who they are: "os" (the Unix account) or "password"."""
    origin: str = text_field(max_length=120)
    started_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime | None = timestamp_field()
    ended_at: datetime | None = timestamp_field(index=True)
    ended_by: str = text_field(max_length=64)
    end_reason: str = text_field(max_length=40)
    presence: str = text_field("ready", max_length=12)
    """The operator's state on the floor (store.presence.PresenceState), published by the console."""
    presence_since: datetime | None = timestamp_field()
    open_wrapups: int = Field(default=0)
    """Wrap-ups open in the console (only it knows: they may be drafts that never reached the store)."""
    wrapup_since: datetime | None = timestamp_field()
    """When the oldest of them opened."""
    held_call_id: str = text_field(max_length=64)
    """The call whose pop the console holds (not ready, locked, a wrap-up first); empty: none."""
    held_since: datetime | None = timestamp_field()


SEALED_TARGET_LENGTH = 1200
"""A 200-character target sealed: up to 800 UTF-8 bytes, nonce and tag, base64, the key's id."""


class AuditRecord(SQLModel, table=True):
    """One audited act. `row_hash` = SHA-256 of the previous row's hash and this row's fields, so
    an edited, inserted or deleted row breaks the chain from there on (`callpop audit verify`)."""

    __tablename__ = "auditlog"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True, index=True)
    at: datetime = created_at_field()
    actor: str = Field(max_length=64, index=True)
    action: str = text_field(max_length=40)
    customer_id: int | None = Field(default=None, index=True)
    target: str = text_field(max_length=SEALED_TARGET_LENGTH)
    """Sealed (store.audit_seal) when the row is about a customer: 200 characters in clear."""
    detail: str = Field(default="", sa_type=sa.Text)
    """JSON, sealed like `target`: 4,000 characters in clear, about 5.4 times that sealed."""
    origin: str = text_field(max_length=120)
    prev_hash: str = Field(max_length=64, unique=True)
    row_hash: str = Field(max_length=64)


class AuditKey(SQLModel, table=True):
    """A customer's AES-256 key for the personal fields of their audit rows (store.audit_seal).
    Deleting it on erasure leaves those rows unreadable and the chain intact; a merge moves the
    other record's keys to the survivor, so a customer may hold several."""

    __tablename__ = "audit_key"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    key: bytes = Field(sa_type=sa.LargeBinary(32), nullable=False)
    created_at: datetime = created_at_field()
