"""Bookkeeping of the data toolbox: import runs and their staged rows, merged ids, erasures.

Kept apart from the customer tables so an import, a merge or an erasure never needs a change to
the rows the console edits; each table says why it exists.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import store.models.customers  # noqa: F401  (foreign keys: customer_id -> customer)
from store.models.base import created_at_field, enum_field, text_field


class ImportStatus(StrEnum):
    """Where a run is: staging (rows validated into `importstaged`, committed in chunks, so an
    interrupt resumes after the last chunk), applied (the live tables written, in one
    transaction), done (search index current too)."""

    STAGING = "staging"
    APPLIED = "applied"
    DONE = "done"


class ImportRun(SQLModel, table=True):
    """One `callpop import`: what file (by digest), how far it got, and what it counted."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = text_field(max_length=24)
    source: str = text_field(max_length=1000)
    digest: str = Field(max_length=64, index=True)
    """sha256 of the file and of the options that change what is read: a resume must match it."""
    operator: str = text_field(max_length=64)
    status: ImportStatus = enum_field(ImportStatus.STAGING)
    lines_done: int = 0
    """Last source line whose row is staged (or rejected) and committed."""
    counts: str = Field(default="{}", sa_type=sa.Text)
    """JSON: new, updated, unchanged, rejected, cleaned."""
    started_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ImportStaged(SQLModel, table=True):
    """A validated row waiting for the apply step (its cleaned values as JSON)."""

    run_id: int = Field(foreign_key="importrun.id", primary_key=True, ondelete="CASCADE")
    line: int = Field(primary_key=True)
    key: str = Field(max_length=64)
    """The row's natural key (a customer's external_id): duplicates are found across a resume."""
    payload: str = Field(sa_type=sa.Text)


class CustomerAlias(SQLModel, table=True):
    """A customer merged into another: the old ids and name still find the survivor."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    old_customer_id: int = Field(index=True)
    old_external_id: str = Field(max_length=32, index=True)
    old_display_name: str = text_field(max_length=300)
    merged_at: datetime = created_at_field()
    operator: str = text_field(max_length=64)


class CustomerErasure(SQLModel, table=True):
    """A person anonymised on request (GDPR art. 17): never exported, never re-imported by id."""

    customer_id: int = Field(foreign_key="customer.id", primary_key=True, ondelete="CASCADE")
    external_id_digest: str = Field(max_length=64, index=True)
    """sha256 of the old external id: a later feed naming them is refused, and the id is not kept."""
    erased_at: datetime = created_at_field()
    operator: str = text_field(max_length=64)
