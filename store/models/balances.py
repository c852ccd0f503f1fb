"""Balance history of the holdings (store.balances owns it): what the churn model reads. Apart
from the holdings so a search, which never reads it, does not load it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import store.models.products  # noqa: F401  (foreign keys: balancesnapshot.holding_id -> holding)
from store.models.base import money_field


class BalanceSnapshot(SQLModel, table=True):
    """A holding's balance from a day on, written when it changes (an import, the demo's history):
    what the churn model reads to see a balance falling. The latest one on or before a day is the
    balance that day."""

    __table_args__ = (sa.UniqueConstraint("holding_id", "taken_on", name="uq_balancesnapshot_holding_day"),)

    id: int | None = Field(default=None, primary_key=True)
    holding_id: int = Field(foreign_key="holding.id", ondelete="CASCADE")
    taken_on: date
    balance: Decimal = money_field(Decimal(0))
