"""Computed marketing facts per customer: RFM scores, rule segments, churn risk, and their runs.

They are derived data: `callpop segments refresh` and `callpop churn score` rewrite them, the
profile, the lookup filters and the offer rules read them. Nothing here is typed by an operator.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

import store.models.customers  # noqa: F401  (foreign keys: customer_id -> customer)
from store.models.base import created_at_field, money_field, text_field, timestamp_field


class CustomerRfm(SQLModel, table=True):
    """A customer's recency, frequency and monetary value, each scored 1-5 against the base."""

    customer_id: int = Field(foreign_key="customer.id", primary_key=True, ondelete="CASCADE")
    last_purchase_on: date | None = None
    frequency: int = 0
    monetary: Decimal | None = money_field()
    r: int = 0
    f: int = 0
    m: int = 0
    rfm_segment: str = text_field(max_length=40, index=True)
    refreshed_at: datetime = created_at_field()
    """When a refresh last changed the row (one that finds the same scores leaves it as it is)."""


class SegmentMember(SQLModel, table=True):
    """A customer in a named rule segment (store/data/segments.toml)."""

    segment: str = Field(max_length=60, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", primary_key=True, index=True, ondelete="CASCADE")


class SegmentRun(SQLModel, table=True):
    """One refresh: what it covered and where the next incremental one starts from."""

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = created_at_field()
    finished_at: datetime | None = timestamp_field()
    as_of: date | None = None
    """The day recency was computed for (the run's `today`); an incremental run needs the same."""
    full: bool = True
    customers: int = 0
    last_event_id: int = 0
    """The newest change event seen when it started: later `customer:<id>` events are changes."""
    max_customer_id: int = 0
    breakpoints: str = Field(default="{}", max_length=2000)
    """JSON: the quintile cut points of recency days, frequency and monetary on the base."""


class CustomerChurn(SQLModel, table=True):
    """A customer's churn risk (0-1) from the latest trained model, and why, in words."""

    customer_id: int = Field(foreign_key="customer.id", primary_key=True, ondelete="CASCADE")
    risk: float = Field(default=0.0, index=True)
    reasons: str = Field(default="", max_length=400)
    scored_at: datetime = created_at_field()


class ChurnModel(SQLModel, table=True):
    """A trained churn model: its coefficients (JSON, no pickle) and how well it did held out."""

    id: int | None = Field(default=None, primary_key=True)
    trained_at: datetime = created_at_field()
    horizon_days: int = 90
    rows: int = 0
    positives: int = 0
    auc: float = 0.0
    brier: float = 0.0
    parameters: str = Field(default="{}", max_length=4000)
    calibration: str = Field(default="[]", max_length=4000)
