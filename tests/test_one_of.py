"""`store.db.one_of`: an IN list passed as one parameter, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import one_of
from store.models import Customer
from store.models.base import table_of
from tests.factories import make_customer


def test_one_of_matches_exactly_the_listed_values_of_text_and_integers(engine: Engine) -> None:
    """You should see quotes, unicode and a JSON-looking value matched as plain text, integers as
    integers, an empty list matching nothing, and 6,000 values in one statement."""
    names = ["O'Brien", 'say "hi"', "Zoë", '["x"]', "plain"]
    ids = [make_customer(engine, given_name=name).id for name in names]
    c = table_of(Customer).c
    with engine.connect() as connection:

        def given(condition: sa.ColumnElement[bool]) -> list[str]:
            return sorted(connection.execute(sa.select(c.given_name).where(condition)).scalars())

        assert given(one_of(connection.dialect, c.given_name, names[:4] + ["absent"])) == sorted(names[:4])
        assert given(one_of(connection.dialect, c.id, [ids[4], *range(10**6, 10**6 + 6000)])) == ["plain"]
        assert given(one_of(connection.dialect, c.given_name, [])) == []
