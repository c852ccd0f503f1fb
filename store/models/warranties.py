"""Warranties on what a customer holds (an appliance): the maker's standard one or an extended
one sold. Apart from the holdings so a search, which never reads them, does not load them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlmodel import Field, SQLModel

import store.models.products  # noqa: F401  (foreign keys: warranty.holding_id -> holding)
from store.models.base import enum_field, money_field, text_field


class WarrantyKind(StrEnum):
    STANDARD = "standard"
    EXTENDED = "extended"


class Warranty(SQLModel, table=True):
    """A warranty on a holding (an appliance): standard from the maker or an extended one sold."""

    id: int | None = Field(default=None, primary_key=True)
    holding_id: int = Field(foreign_key="holding.id", index=True, ondelete="CASCADE")
    kind: WarrantyKind = enum_field(WarrantyKind.STANDARD)
    starts_on: date
    ends_on: date = Field(index=True)
    price: Decimal | None = money_field()
    covers: str = text_field(max_length=200)
    claims: int = 0
