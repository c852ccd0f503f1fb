"""Shared column helpers: enums stored as short strings, UTC timestamps, money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.timeutil import UTCDateTime, utcnow


def table_of(model: type[SQLModel]) -> sa.Table:
    """A table model's Core table: SQLModel sets `__table__` but does not declare it for type checkers."""
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return table


def enum_field(default: Any = None, *, index: bool = False, nullable: bool = False) -> Any:
    """A StrEnum stored as VARCHAR(24): portable, and no native PG enum to migrate."""
    return Field(default=default, sa_type=sa.String(24), index=index, nullable=nullable)


def created_at_field(*, index: bool = False) -> Any:
    """When the row was created (UTC)."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)


def timestamp_field(*, nullable: bool = True, index: bool = False) -> Any:
    """An optional UTC instant."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def money_field(default: Decimal | None = None) -> Any:
    """A currency amount with two decimals."""
    return Field(default=default, sa_type=sa.Numeric(14, 2))


def text_field(default: str = "", *, max_length: int = 200, index: bool = False) -> Any:
    """A bounded one-line string."""
    return Field(default=default, max_length=max_length, index=index)
