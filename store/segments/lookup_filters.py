"""Lookup filters: `segment:`, `city:`, `holds:` and `age:30-40` in what the operator types,
alone or with a name ("rossi city:Roma holds:MTG-FIXED"). Every filter must hold.

`segment:` means a computed segment (RFM or rule, `callpop segments`) or the stored label;
`holds:` a product code or category held now; `city:` a current address's city (case aside);
`age:` a range (`30-40`, `30-`, `-40`) or one age. A value with spaces goes in quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from store.messages import N_
from store.models import Address, Customer, Holding, HoldingStatus, Product
from store.models.base import table_of
from store.search.details import matches_for
from store.search.names import search_names
from store.search.types import Hit, SearchResult
from store.timeutil import utcnow

KEYS = ("segment", "city", "holds", "age")
_FILTER = re.compile(r'(?<!\S)([A-Za-z]+):(?:"([^"]*)"|(\S*))')
_AGE = re.compile(r"(\d{1,3})?(-)?(\d{1,3})?")
NAME_CANDIDATES = 150
_customer, _address, _holding = table_of(Customer).c, table_of(Address).c, table_of(Holding).c
_product = table_of(Product).c


@dataclass(frozen=True)
class Parsed:
    text: str
    """What is left once the filters are taken out: a name, or nothing."""
    filters: tuple[tuple[str, str], ...]
    problem: str = ""


def parse_filters(query: str) -> Parsed:
    """The filters of `query` (only the known keys: "re: invoice" stays text) and the rest."""
    filters: list[tuple[str, str]] = []

    def take(match: re.Match[str]) -> str:
        key = match.group(1).lower()
        if key not in KEYS:
            return match.group(0)
        filters.append((key, (match.group(2) if match.group(2) is not None else match.group(3)).strip()))
        return " "

    text = " ".join(_FILTER.sub(take, query).split())
    empty = next((key for key, value in filters if not value), None)
    if empty:
        return Parsed(
            text,
            tuple(filters),
            N_("Give a value after {key}: (e.g. {example}).", key=empty, example=_EXAMPLES[empty]),
        )
    bad_age = next((value for key, value in filters if key == "age" and _age_bounds(value) is None), None)
    if bad_age is not None:
        return Parsed(
            text, tuple(filters), N_("age:{value} is not an age or a range such as age:30-40.", value=bad_age)
        )
    return Parsed(text, tuple(filters))


_EXAMPLES = {
    "segment": "segment:champions",
    "city": "city:Roma",
    "holds": "holds:MTG-FIXED",
    "age": "age:30-40",
}


def filtered_search(connection: sa.Connection, parsed: Parsed, *, limit: int) -> SearchResult:
    """Customers matching every filter: among the name's matches when a name is given, else by name."""
    if parsed.problem:
        return SearchResult([], parsed.problem)
    today = utcnow().date()
    where = [_condition(key, value, today) for key, value in parsed.filters]
    described = " · ".join(f"{key} {value}" for key, value in parsed.filters)
    if parsed.text:
        names = search_names(connection, parsed.text, want=NAME_CANDIDATES)
        if not names:
            return SearchResult([])
        kept = set(
            connection.execute(
                sa.select(_customer.id).where(_customer.id.in_([hit.customer_id for hit in names]), *where)
            ).scalars()
        )
        hits = [hit for hit in names if hit.customer_id in kept][:limit]
    else:
        ids = connection.execute(
            sa.select(_customer.id).where(*where).order_by(_customer.display_name, _customer.id).limit(limit)
        ).scalars()
        hits = [Hit(customer_id, "filter", 50.0, described) for customer_id in ids]
    return SearchResult(matches_for(connection, hits, limit))


def in_segment(value: str) -> sa.ColumnElement[bool]:
    """The customer is in segment `value`: the stored label, their RFM segment or a rule segment
    (the lookup's `segment:` and `callpop export --segment`)."""
    from store.models.segments import CustomerRfm, SegmentMember  # a plain search needs neither

    rfm, member = table_of(CustomerRfm).c, table_of(SegmentMember).c
    return sa.or_(
        _customer.segment == value,
        sa.exists().where(rfm.customer_id == _customer.id, rfm.rfm_segment == value),
        sa.exists().where(member.customer_id == _customer.id, member.segment == value),
    )


def _condition(key: str, value: str, today: date) -> sa.ColumnElement[bool]:
    if key == "segment":
        return in_segment(value)
    if key == "city":
        return sa.exists().where(
            _address.customer_id == _customer.id,
            _address.valid_to.is_(None),
            sa.func.lower(_address.city) == value.lower(),
        )
    if key == "holds":
        return sa.exists().where(
            _holding.customer_id == _customer.id,
            _holding.status != HoldingStatus.CLOSED.value,
            _product.id == _holding.product_id,
            sa.or_(_product.code == value.upper(), _product.category == value.lower()),
        )
    bounds = _age_bounds(value)
    assert bounds is not None  # parse_filters refused it otherwise
    low, high = bounds
    conditions: list[sa.ColumnElement[bool]] = [_customer.birth_date.is_not(None)]
    if low is not None:  # aged at least `low`: born on or before today `low` years ago
        conditions.append(_customer.birth_date <= _years_ago(today, low))
    if high is not None:  # aged at most `high`: born after today `high + 1` years ago
        conditions.append(_customer.birth_date > _years_ago(today, high + 1))
    return sa.and_(*conditions)


def _age_bounds(value: str) -> tuple[int | None, int | None] | None:
    match = _AGE.fullmatch(value)
    if not match or not (match.group(1) or match.group(3)):
        return None
    low = int(match.group(1)) if match.group(1) else None
    high = int(match.group(3)) if match.group(3) else None
    if not match.group(2):
        high = low
    if low is not None and high is not None and low > high:
        return None
    return low, high


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)
