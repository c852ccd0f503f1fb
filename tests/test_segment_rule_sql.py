"""Every check with a SQL form decides exactly what the Python rule decides, customer by customer.

The base mixes what each check reads: held and closed holdings, a holding with two warranties (the
latest end counts), warranties ending today, within and past the window, tickets open, pending and
resolved, segments, tiers and points, RFM segments from a refresh.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import write_session
from store.models import Customer, Holding, HoldingStatus, ProductCategory, TicketStatus, Warranty
from store.models.base import table_of
from store.models.segments import CustomerChurn
from store.offers.rules import parse_rule
from store.segments.bulk_facts import load_many, read_holdings
from store.segments.refresh import refresh_segments
from store.segments.rule_sql import condition
from store.timeutil import utcnow
from tests.factories import make_customer, make_product, make_ticket

TODAY = utcnow().date()
RULES: list[dict[str, Any]] = [
    {"holds": "MTG"},
    {"holds_category": "credit_card"},
    {"closed_category": "credit_card"},
    {"warranty_expires_within_days": 30},
    {"warranty_expires_within_days": 0},
    {"segment": ["affluent", "student"]},
    {"loyalty_tier": "gold"},
    {"loyalty_points": {"min": 100, "max": 500}},
    {"open_tickets": {"min": 1}},
    {"open_tickets": {"max": 0}},
    {"in_segment": ["new", "at_risk"]},
    {"recent_purchase": {"days": 200}},
    {"recent_purchase": {"days": 80, "category": "mortgage"}},
    {"churn_risk": 0.5},
    {"not": {"churn_risk": {"min": 0.2, "max": 0.6}}},
    {"age": {"min": 30}},
    {"age": {"min": 29.5, "max": 40}},
    {"not": {"age": {"max": 45.5}}},
    {"tenure_years": {"min": 2}},
    {"tenure_years": {"max": 3}},
    {"all": [{"holds_category": "mortgage"}, {"not": {"holds": "INS-HOME"}}]},
    {"any": [{"closed_category": "credit_card"}, {"not": {"loyalty_points": {"min": 1}}}]},
    {"not": {"any": [{"segment": "mass"}, {"open_tickets": {"min": 2}}]}},
]


def _base(engine: Engine) -> None:
    products = {
        code: make_product(engine, code, category=category)
        for code, category in [
            ("MTG", ProductCategory.MORTGAGE),
            ("INS-HOME", ProductCategory.INSURANCE),
            ("CARD", ProductCategory.CREDIT_CARD),
            ("TV", ProductCategory.APPLIANCE),
        ]
    }
    segments, tiers = ["mass", "affluent", "student", "private"], ["none", "silver", "gold"]
    for i in range(24):
        years, day = [30, 40, 46, 0][i % 4], [-1, 0, 1][i % 3]  # a day either side of the birthday
        born = None if i % 8 == 7 else _years_back(TODAY, years) + timedelta(days=day)
        created = datetime.combine(_years_back(TODAY, 1 + i % 4), time(), UTC) + timedelta(days=day, hours=i)
        customer = make_customer(
            engine,
            f"C{i}",
            "Sql",
            birth_date=born,
            created_at=created,
            segment=segments[i % 4],
            loyalty_tier=tiers[i % 3],
            loyalty_points=i * 40,
        )
        held = [("MTG", i % 3 == 0), ("INS-HOME", i % 5 == 0), ("CARD", i % 4 == 1), ("TV", i % 2 == 0)]
        with write_session(engine) as session:
            for n, (code, closed) in enumerate(held[: i % 5]):
                holding = Holding(
                    customer_id=customer.id,
                    product_id=products[code].id,
                    opened_on=TODAY - timedelta(days=(37 * i + 11 * n) % 300 - 70),  # some in the future
                    status=HoldingStatus.CLOSED if closed else HoldingStatus.ACTIVE,
                )
                session.add(holding)
                session.flush()
                ends = [TODAY + timedelta(days=d) for d in ((i % 7) * 10 - 10, (i % 3) * 20)[: 1 + i % 2]]
                session.add_all(Warranty(holding_id=holding.id, starts_on=TODAY, ends_on=e) for e in ends)
            if i % 3 != 2:
                session.add(CustomerChurn(customer_id=customer.id, risk=i % 10 / 10))
        tickets = [[], [TicketStatus.RESOLVED], [TicketStatus.PENDING], list(TicketStatus)][i % 4]
        for status in tickets:
            make_ticket(engine, customer, category="question", status=status)


def _years_back(day: date, years: int) -> date:
    return (
        day.replace(year=day.year - years)
        if (day.month, day.day) != (2, 29)
        else day - timedelta(days=365 * years)
    )


@pytest.mark.parametrize("rule", RULES, ids=[str(rule) for rule in RULES])
def test_the_sql_condition_picks_the_customers_the_python_rule_picks(
    engine: Engine, rule: dict[str, Any]
) -> None:
    _base(engine)
    refresh_segments(engine, today=TODAY)  # the RFM segments that in_segment reads
    where = condition(rule, TODAY)
    assert where is not None
    customer = table_of(Customer).c
    python_rule = parse_rule(rule)
    with engine.connect() as connection:
        ids = list(connection.execute(sa.select(customer.id).order_by(customer.id)).scalars())
        by_sql = set(connection.execute(sa.select(customer.id).where(where)).scalars())
        rfm = dict(connection.execute(sa.text("SELECT customer_id, rfm_segment FROM customerrfm")).all())
        facts = load_many(connection, ids, read_holdings(connection, ids), rfm)
    by_python = {f.customer_id for f in facts if python_rule(f, TODAY, explain=False).ok}
    assert by_sql == by_python
    assert 0 < len(by_python) < len(ids)  # the base tells the customers apart on this rule


def test_a_rule_with_a_check_that_has_no_sql_form_is_left_to_python() -> None:
    assert (
        condition({"all": [{"holds": "MTG"}, {"not": {"loan_nearly_paid": {"max_ratio": 0.1}}}]}, TODAY)
        is None
    )


def test_an_age_counted_on_29_february_is_the_python_one(engine: Engine) -> None:
    """On 29 February a birthday 1 year back falls on the 28th (no 29th that year), 4 years back on
    the 29th: the SQL day of each bound must be the one `years_between` turns on."""
    leap_day = date(2028, 2, 29)
    for born in [date(2027, 2, 28), date(2027, 3, 1), date(2024, 2, 29), date(2024, 3, 1)]:
        make_customer(engine, "Leap", str(born), birth_date=born)
    customer = table_of(Customer).c
    with engine.connect() as connection:
        ids = list(connection.execute(sa.select(customer.id).order_by(customer.id)).scalars())
        facts = load_many(connection, ids, read_holdings(connection, ids), {})
        for rule in [{"age": {"min": 1}}, {"age": {"min": 4}}, {"age": {"max": 0}}]:
            where = condition(rule, leap_day)
            assert where is not None
            by_sql = set(connection.execute(sa.select(customer.id).where(where)).scalars())
            assert by_sql == {f.customer_id for f in facts if parse_rule(rule)(f, leap_day, explain=False).ok}
