"""Lookup filters (`segment:`, `city:`, `holds:`, `age:`), alone and with a name, on both databases."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from store.db import write_session
from store.models import Holding, HoldingStatus, Product, ProductCategory
from store.models.segments import SegmentMember
from store.search import find_customers
from store.timeutil import utcnow
from tests.factories import make_customer

TODAY = utcnow().date()


def _born(age: int) -> date:
    """A birth date that makes `age` today (and had the birthday a month ago)."""
    month = TODAY.month - 1 or 12
    year = TODAY.year - age - (1 if TODAY.month == 1 else 0)
    return date(year, month, 15)


def _names(engine: Engine, query: str) -> list[str]:
    return [m.display_name for m in find_customers(engine, query, region="IT").matches]


def test_filters_alone_and_with_a_name(engine: Engine) -> None:
    maria = make_customer(engine, "Maria", "Rossi", city="Roma", birth_date=_born(35))
    make_customer(engine, "Mario", "Rossi", city="Milano", birth_date=_born(52))
    luca = make_customer(engine, "Luca", "Bianchi", city="roma", birth_date=_born(41), segment="affluent")
    make_customer(engine, "Anna", "Verdi", city="Roma")  # no birth date: no age
    with write_session(engine) as session:
        mortgage = Product(code="MTG-FIXED", name="Mortgage", category=ProductCategory.MORTGAGE)
        session.add(mortgage)
        session.flush()
        session.add(Holding(customer_id=maria.id, product_id=mortgage.id))
        session.add(Holding(customer_id=luca.id, product_id=mortgage.id, status=HoldingStatus.CLOSED))
        session.add(SegmentMember(segment="mortgage_no_home_insurance", customer_id=maria.id))
    assert _names(engine, "city:Roma") == ["Anna Verdi", "Luca Bianchi", "Maria Rossi"]  # case aside
    assert _names(engine, "rossi city:roma") == ["Maria Rossi"]
    assert _names(engine, "city:roma age:30-40") == ["Maria Rossi"]
    assert _names(engine, "age:41") == ["Luca Bianchi"]
    assert _names(engine, "age:50-") == ["Mario Rossi"]
    assert _names(engine, "holds:mtg-fixed") == ["Maria Rossi"]  # Luca's is closed
    assert _names(engine, "holds:mortgage rossi") == ["Maria Rossi"]
    assert _names(engine, "segment:mortgage_no_home_insurance") == ["Maria Rossi"]
    assert _names(engine, "segment:affluent") == ["Luca Bianchi"]  # the stored label counts too
    assert _names(engine, 'city:"San Paolo"') == []


def test_a_bad_filter_says_how_to_write_it(engine: Engine) -> None:
    make_customer(engine, "Maria", "Rossi", city="Roma")
    assert find_customers(engine, "age:abc", region="IT").hint == (
        "age:abc is not an age or a range such as age:30-40."
    )
    assert "segment:champions" in find_customers(engine, "rossi segment:", region="IT").hint
    assert find_customers(engine, "age:40-30", region="IT").matches == []
    assert _names(engine, "rossi") == ["Maria Rossi"]  # without a filter the search is as before
