"""Customers a benchmark can ring: the numbers that pop one profile, not a pick list."""

from __future__ import annotations

import random

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from console.commands import UserError
from store.models import Phone


def single_owner_numbers() -> sa.Select[str]:
    """The numbers exactly one customer has (a ring to one of them opens that customer)."""
    return (
        sa.select(col(Phone.e164))
        .group_by(col(Phone.e164))
        .having(sa.func.count(sa.distinct(col(Phone.customer_id))) == 1)
    )


def numbers_to_ring(engine: Engine, count: int, rng: random.Random) -> list[str]:
    """`count` rings' callers, drawn from the numbers exactly one customer has."""
    with engine.connect() as connection:
        numbers = list(connection.execute(single_owner_numbers().limit(20 * count)).scalars())
    if not numbers:
        raise UserError("the database has no customer with a phone number to ring")
    return [rng.choice(numbers) for _ in range(count)]
