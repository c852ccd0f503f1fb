"""Segment rules as SQL conditions on the customer row, for the checks that have one.

A full refresh runs every rule on every customer: building each one's facts in Python and
deciding there was most of its time. A rule made only of the checks below is decided by the
database instead, as an `INSERT ... SELECT` of the members; the one other check (a loan nearly
paid off: a ratio of two amounts) leaves its segment to the Python rules (store/offers/rules.py,
the language's owner). Each condition reads exactly what that check reads of the facts
(store/segments/bulk_facts.py): held means not closed, a holding's warranty ends on the latest of
its warranties, open tickets are open or pending, an age or a tenure is `years_between` (turned
into the days a start must fall on or before). tests/test_segment_rule_sql.py holds every one to
the Python check on the same customers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from store.models import Customer, Holding, HoldingStatus, Product, Ticket, TicketStatus, Warranty
from store.models.base import table_of
from store.models.segments import CustomerChurn, CustomerRfm
from store.offers import rule_args as ra

_customer, _holding, _product = table_of(Customer).c, table_of(Holding).c, table_of(Product).c
_warranty, _ticket, _rfm = table_of(Warranty).c, table_of(Ticket).c, table_of(CustomerRfm).c
_churn = table_of(CustomerChurn).c
_CLOSED = HoldingStatus.CLOSED.value
_OPEN = [TicketStatus.OPEN.value, TicketStatus.PENDING.value]
Condition = sa.ColumnElement[bool]


def condition(raw: Any, today: date) -> Condition | None:
    """`raw` (a rule table, already checked by `parse_rule`) as a condition on `customer` for
    `today`, or None when one of its checks has no SQL form. Never NULL, so `not` is exact."""
    ((kind, arg),) = raw.items()
    if kind in ("all", "any", "not"):
        found = [condition(item, today) for item in (arg if kind != "not" else [arg])]
        children = [child for child in found if child is not None]
        if len(children) < len(found):
            return None
        if kind == "not":
            return sa.not_(children[0])
        return (sa.and_ if kind == "all" else sa.or_)(*children)
    leaf = _LEAVES.get(kind)
    return leaf(arg, kind, today) if leaf else None


def _holding_where(*conditions: Any, closed: bool = False) -> Condition:
    """The customer has a holding, held (not closed) or closed, meeting `conditions`."""
    status = _holding.status == _CLOSED if closed else _holding.status != _CLOSED
    return sa.exists().where(_holding.customer_id == _customer.id, status, *conditions)


def _products_where(*conditions: Any) -> Condition:
    return _holding.product_id.in_(sa.select(_product.id).where(*conditions))


def _holds(arg: Any, _path: str, _today: date) -> Condition:
    return _holding_where(_products_where(_product.code == arg))


def _holds_category(arg: Any, path: str, _today: date) -> Condition:
    return _holding_where(_products_where(_product.category == ra.category(arg, path)))


def _closed_category(arg: Any, path: str, _today: date) -> Condition:
    return _holding_where(_products_where(_product.category == ra.category(arg, path)), closed=True)


def _warranty_expiring(arg: Any, path: str, today: date) -> Condition:
    ends = sa.select(sa.func.max(_warranty.ends_on)).where(_warranty.holding_id == _holding.id)
    return _holding_where(ends.scalar_subquery().between(today, today + timedelta(days=ra.days(arg, path))))


def _choice(column: sa.ColumnElement[str]) -> Callable[[Any, str, date], Condition]:
    return lambda arg, path, _today: column.in_(sorted(ra.names(arg, path)))


def _within(value: sa.ColumnElement[Any], bounds: tuple[float | None, float | None]) -> Condition:
    """`ra.within`: at least one bound is given."""
    low, high = bounds
    return sa.and_(
        *([value >= low] if low is not None else []), *([value <= high] if high is not None else [])
    )


def _years_within(on_or_before: Callable[[date], Condition], arg: Any, path: str, today: date) -> Condition:
    """Whole years from a start to `today` (`years_between`) within the bounds, as comparisons of
    the start with the days they begin and end on (`on_or_before(day)`: the start is not later)."""
    low, high = ra.bounds_of(arg, path)
    parts = [] if low is None else [_reached(on_or_before, math.ceil(low), today)]
    return sa.and_(*parts, *([] if high is None else [~_reached(on_or_before, math.floor(high) + 1, today)]))


def _reached(on_or_before: Callable[[date], Condition], years: int, today: date) -> Condition:
    """`years_between(start, today) >= years`: the start on or before that many years back (from a
    29 February, to the 28th when that year has none)."""
    year = today.year - years
    if not 1 <= year <= 9999:
        return sa.true() if year > 9999 else sa.false()
    try:
        return on_or_before(today.replace(year=year))
    except ValueError:
        return on_or_before(date(year, 2, 28))


def _age(arg: Any, path: str, today: date) -> Condition:
    birth = _customer.birth_date
    return sa.and_(birth.is_not(None), _years_within(lambda day: birth <= day, arg, path, today))


def _tenure(arg: Any, path: str, today: date) -> Condition:
    """From the UTC day of `created_at`: on or before a day is up to its last microsecond."""
    created = _customer.created_at
    return _years_within(lambda day: created <= datetime.combine(day, time.max, UTC), arg, path, today)


def _points(arg: Any, path: str, _today: date) -> Condition:
    return _within(_customer.loyalty_points, ra.bounds_of(arg, path))


def _open_tickets(arg: Any, path: str, _today: date) -> Condition:
    count = sa.select(sa.func.count()).where(_ticket.customer_id == _customer.id, _ticket.status.in_(_OPEN))
    return _within(count.scalar_subquery(), ra.bounds_of(arg, path))


def _recent_purchase(arg: Any, path: str, today: date) -> Condition:
    days, category = ra.recent_purchase(arg, path)
    bought = _holding.opened_on.between(today - timedelta(days=days), today)
    return _holding_where(_products_where(_product.category == category), bought)


def _churn_risk(arg: Any, path: str, _today: date) -> Condition:
    """Not scored yet: never."""
    return sa.exists().where(
        _churn.customer_id == _customer.id, _within(_churn.risk, ra.risk_bounds(arg, path))
    )


def _in_segment(arg: Any, path: str, _today: date) -> Condition:
    """The customer's RFM segment: the refresh writes a chunk's scores before its members."""
    return sa.exists().where(
        _rfm.customer_id == _customer.id, _rfm.rfm_segment.in_(sorted(ra.names(arg, path)))
    )


_LEAVES: dict[str, Callable[[Any, str, date], Condition]] = {
    "holds": _holds,
    "holds_category": _holds_category,
    "closed_category": _closed_category,
    "warranty_expires_within_days": _warranty_expiring,
    "segment": _choice(_customer.segment),
    "loyalty_tier": _choice(_customer.loyalty_tier),
    "age": _age,
    "tenure_years": _tenure,
    "loyalty_points": _points,
    "open_tickets": _open_tickets,
    "recent_purchase": _recent_purchase,
    "in_segment": _in_segment,
    "churn_risk": _churn_risk,
}
