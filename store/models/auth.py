"""The hash-chained audit log and its per-customer keys (store.audit and store.audit_seal own
them); console sessions are `store.models.sessions`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import store.models.customers  # noqa: F401  (foreign keys: audit_key.customer_id -> customer)
from store.models.base import created_at_field, text_field

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
