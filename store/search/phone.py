"""Phone (and ticket/account) lookup in ONE statement: the hits, their ranking and the display
details travel together, so a pop costs one round trip instead of three (hits, keys, details)."""

from __future__ import annotations

import sqlalchemy as sa

from store.models import Customer, Holding, Ticket
from store.models.search import search_phone
from store.phones import digits_of, national_number, normalize_phone
from store.search.details import details_select, match_of
from store.search.fold import prefix_end
from store.search.types import TIERS, Hit, Match
from store.timeutil import utcnow

MIN_SUFFIX = 4
SUFFIX_CAP = 50  # numbers ending alike beyond this are not listed: the operator types more digits


def _tier(n: int) -> sa.ColumnElement[int]:
    """A tier (index into `types.TIERS`) written into the SQL: not a parameter, so typed alike in every
    branch of the union."""
    return sa.literal_column(str(n), sa.Integer)


def key_selects(keys: sa.BindParameter | list[str]) -> list[sa.Select]:
    """(customer_id, tier, key) of the tickets and accounts/serials stored as one of `keys`."""
    return [
        sa.select(Ticket.customer_id, _tier(3), Ticket.number).where(Ticket.number.in_(keys)),
        sa.select(Holding.customer_id, _tier(4), Holding.reference).where(Holding.reference.in_(keys)),
    ]


def _statement() -> sa.Select:
    """Phone rows by national number or reversed-digits range (at most SUFFIX_CAP), tickets and
    accounts by key, each customer once at its best tier, the best `limit` with their details.
    Parameters left NULL (no national number, no suffix) match nothing."""
    p = search_phone.c
    nsn = sa.bindparam("nsn", type_=sa.String)
    found = (
        sa.select(p.customer_id, p.nsn, p.rdigits)
        .where(
            sa.or_(p.nsn == nsn, sa.and_(p.rdigits >= sa.bindparam("low"), p.rdigits < sa.bindparam("high")))
        )
        .limit(SUFFIX_CAP)
        .subquery()
    )
    tier = sa.case(
        (found.c.rdigits == sa.bindparam("exact", type_=sa.String), _tier(0)),
        (found.c.nsn == nsn, _tier(1)),
        else_=_tier(2),
    )
    raw = sa.union_all(
        sa.select(found.c.customer_id, tier.label("tier"), found.c.rdigits.label("key")),
        *key_selects(sa.bindparam("keys", expanding=True)),
    ).subquery()
    first = sa.func.row_number().over(partition_by=raw.c.customer_id, order_by=raw.c.tier).label("nth")
    numbered = sa.select(raw, first).subquery()
    best = (
        sa.select(numbered.c.customer_id, numbered.c.tier, numbered.c.key)
        .where(numbered.c.nth == 1)
        .order_by(numbered.c.tier, numbered.c.customer_id)
        .limit(sa.bindparam("limit"))
        .subquery()
    )
    return (
        details_select(best.c.tier, best.c.key)
        .join_from(Customer, best, best.c.customer_id == Customer.__table__.c.id)
        .order_by(best.c.tier, best.c.customer_id)
    )


_STATEMENT = _statement()


def hit_of(customer_id: int, tier: int, key: str, nsn: str | None, digits: str) -> Hit:
    """The Hit a statement row stands for, with the reason the operator reads."""
    kind = TIERS[tier]
    if tier == 0:
        return Hit(customer_id, kind, 100.0, f"phone is +{key[::-1]}", "+" + key[::-1])
    if tier == 1:
        return Hit(customer_id, kind, 92.0, f"same national number {nsn}", "+" + key[::-1])
    if tier == 2:
        return Hit(
            customer_id, kind, min(90.0, 60.0 + 3 * len(digits)), f"phone ends {digits}", "+" + key[::-1]
        )
    return Hit(customer_id, kind, 90.0, f"{kind} {key}")


def phone_matches(
    connection: sa.Connection, number: str, region: str, *, suffix: bool, keys: list[str], limit: int
) -> list[Match]:
    """Exact E.164, the same national number under another country code, (with `suffix`) the
    numbers ending with the typed digits, and tickets/accounts equal to one of `keys`: strongest
    first, one per customer, at most `limit`."""
    e164 = normalize_phone(number, region)
    nsn = national_number(e164) if e164 else None
    digits = digits_of(number).lstrip("0")  # "0039 06..", "+39 06..", "06..": all end the same
    low = high = None
    if suffix and len(digits) >= MIN_SUFFIX:
        low = digits[::-1]  # a suffix of the number is a prefix of its reversed digits: a range
        high = prefix_end(low)
    if nsn is None and low is None and not keys:
        return []
    exact = e164[1:][::-1] if e164 else None
    params = {"nsn": nsn, "low": low, "high": high, "exact": exact, "keys": keys, "limit": limit}
    today = utcnow().date()
    return [
        match_of(hit_of(row.id, row.tier, row.key, nsn, digits), row, today)
        for row in connection.execute(_STATEMENT, params)
    ]
