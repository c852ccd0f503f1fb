"""Who changed what on a customer, and when: one row per changed field.

Written in the same transaction as the change it describes, so an edit and its audit trail are
never out of step. There is no foreign key to the customer on purpose: the trail outlives the row.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from store.models.base import created_at_field, text_field


class AuditEntry(SQLModel, table=True):
    """One field of one entity changed by one operator."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    operator: str = text_field(max_length=64, index=True)
    customer_id: int = Field(index=True)
    entity: str = text_field(max_length=40)
    """What was changed: customer, phone, email or address."""
    entity_id: int | None = None
    field: str = text_field(max_length=60)
    old_value: str = Field(default="", max_length=1000)
    new_value: str = Field(default="", max_length=1000)
