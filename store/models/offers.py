"""Next best offer: the catalogue, every presentation and its answer, and the learned counters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import store.models.customers  # noqa: F401  (foreign keys: customer_id -> customer)
from store.models.base import created_at_field, money_field, text_field


class Offer(SQLModel, table=True):
    """One offer of the catalogue, loaded from the business's TOML file (never edited in code).

    `eligibility` is the validated rule tree as JSON; an offer dropped from the file is kept with
    `active=False` so the presentations that name it still resolve.
    """

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    title: str = text_field(max_length=120)
    product_code: str = text_field(max_length=40)
    service: str = text_field(max_length=40)
    category: str = text_field("sales", max_length=16)
    value: Decimal = money_field(Decimal("0"))
    weight: float = 1.0
    script: str = Field(default="", max_length=2000)
    valid_from: date | None = None
    valid_to: date | None = None
    channels: str = text_field("voice", max_length=80)
    cooldown_days: int = 30
    later_days: int = 7
    eligibility: str = Field(default="{}", sa_type=sa.Text)
    translations: str = Field(default="{}", sa_type=sa.Text)
    """Title and script per language as JSON (`{"it": {"title": ..., "script": ...}}`)."""
    active: bool = True
    loaded_at: datetime = created_at_field()


class OfferPolicy(SQLModel, table=True):
    """The contact policy (one row): how often a customer may hear an offer at all."""

    id: int | None = Field(default=None, primary_key=True)
    max_per_30_days: int = 6
    max_per_call: int = 3


class OfferPresentation(SQLModel, table=True):
    """An offer shown during a call and what the customer answered; unique per call and offer so
    replaying a wrap-up records it once."""

    __table_args__ = (
        sa.UniqueConstraint("call_id", "offer_code", name="uq_offerpresentation_call_offer"),
        sa.Index("ix_offerpresentation_customer_at", "customer_id", "presented_at"),
        # the offers report reads this index alone (0014_reports)
        sa.Index(
            "ix_offerpresentation_reports", "presented_at", "operator", "offer_code", "segment", "response"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(max_length=64)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    offer_code: str = Field(max_length=40)
    segment: str = text_field(max_length=40)
    operator: str = text_field(max_length=64)
    response: str = text_field(max_length=16)
    reason: str = text_field(max_length=200)
    presented_at: datetime = created_at_field()


class OfferStat(SQLModel, table=True):
    """Learned counters per offer and segment, updated with each answer in the same transaction."""

    offer_code: str = Field(max_length=40, primary_key=True)
    segment: str = Field(max_length=40, primary_key=True)
    shown: int = 0
    accepted: int = 0
