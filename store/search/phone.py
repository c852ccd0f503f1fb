"""Phone (and ticket/account) lookup in ONE statement: the hits, their ranking and the display
details travel together, so a pop costs one round trip instead of three (hits, keys, details)."""

from __future__ import annotations

import sqlalchemy as sa

from store.messages import N_
from store.models import Customer, Holding, Ticket
from store.models.base import table_of
from store.models.search import search_phone
from store.phones import digits_of, national_number, normalize_phone
from store.search.details import details_select, match_of
from store.search.fold import prefix_end
from store.search.types import TIERS, Hit, Match, ranked
from store.timeutil import utcnow

MIN_SUFFIX = 4
TRUNK_NUMBER = 8
"""Digits from which a typed number starting with 0 may be a whole national number with its trunk
prefix ("0151 23456789"), whose stored E.164 form lacks that 0: its ending is searched both ways."""
SUFFIX_CAP = 50  # numbers ending alike beyond this are not listed: the operator types more digits


def _tier(n: int) -> sa.ColumnElement[int]:
    """A tier (index into `types.TIERS`) written into the SQL: not a parameter, so typed alike in every
    branch of the union."""
    return sa.literal_column(str(n), sa.Integer)


def key_selects(keys: sa.BindParameter | list[str]) -> list[sa.Select]:
    """(customer_id, tier, key) of the tickets and accounts/serials stored as one of `keys`."""
    t, h = table_of(Ticket).c, table_of(Holding).c
    return [
        sa.select(t.customer_id, _tier(3), t.number).where(t.number.in_(keys)),
        sa.select(h.customer_id, _tier(4), h.reference).where(h.reference.in_(keys)),
    ]


def _statement() -> sa.Select:
    """Phone rows by national number or reversed-digits ranges (at most SUFFIX_CAP), tickets and
    accounts by key, each customer once at its best tier, with their details.
    Parameters left NULL (no national number, no suffix) match nothing."""
    p = search_phone.c
    nsn = sa.bindparam("nsn", type_=sa.String)
    found = (
        sa.select(p.customer_id, p.nsn, p.rdigits)
        .where(
            sa.or_(
                p.nsn == nsn,
                sa.and_(p.rdigits >= sa.bindparam("low"), p.rdigits < sa.bindparam("high")),
                sa.and_(p.rdigits >= sa.bindparam("trunk_low"), p.rdigits < sa.bindparam("trunk_high")),
            )
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
    best = (  # at most SUFFIX_CAP phones and the few keys: `ranked` orders and cuts them
        sa.select(numbered.c.customer_id, numbered.c.tier, numbered.c.key).where(numbered.c.nth == 1)
    ).subquery()
    return details_select(best.c.tier, best.c.key).join_from(
        Customer, best, best.c.customer_id == table_of(Customer).c.id
    )


_STATEMENT = _statement()


def hit_of(customer_id: int, tier: int, key: str, nsn: str | None, digits: str) -> Hit:
    """The Hit a statement row stands for, with the reason the operator reads."""
    kind = TIERS[tier]
    if tier == 0:
        return Hit(customer_id, kind, 100.0, N_("phone is +{number}", number=key[::-1]), "+" + key[::-1])
    if tier == 1:
        return Hit(customer_id, kind, 92.0, N_("same national number {number}", number=nsn), "+" + key[::-1])
    if tier == 2:
        return Hit(
            customer_id,
            kind,
            min(90.0, 60.0 + 3 * len(digits)),
            N_("phone ends {digits}", digits=digits),
            "+" + key[::-1],
        )
    reason = N_("ticket {key}", key=key) if kind == "ticket" else N_("account {key}", key=key)
    return Hit(customer_id, kind, 90.0, reason)


def _ending(rdigits: str, digits: str) -> str:
    """The typed ending a stored number matched: as typed, or without the trunk 0s."""
    return digits if rdigits.startswith(digits[::-1]) else digits.lstrip("0")


def phone_matches(
    connection: sa.Connection, number: str, region: str, *, suffix: bool, keys: list[str], limit: int
) -> list[Match]:
    """Exact E.164, the same national number under another country code, (with `suffix`) the
    numbers ending with the typed digits, and tickets/accounts equal to one of `keys`: strongest
    first, one per customer, at most `limit`."""
    e164 = normalize_phone(number, region)
    nsn = national_number(e164) if e164 else None
    digits = digits_of(number)  # "0123" ends a number with its 0: never searched as "123"
    low = high = trunk_low = trunk_high = None
    if suffix and len(digits) >= MIN_SUFFIX:
        low = digits[::-1]  # a suffix of the number is a prefix of its reversed digits: a range
        high = prefix_end(low)
        national = digits.lstrip("0")
        if national != digits and len(digits) >= TRUNK_NUMBER:  # "0151 2345678" is +49 151 2345678
            trunk_low = national[::-1]
            trunk_high = prefix_end(trunk_low)
    if nsn is None and low is None and not keys:
        return []
    exact = e164[1:][::-1] if e164 else None
    params = {
        "nsn": nsn, "low": low, "high": high, "trunk_low": trunk_low, "trunk_high": trunk_high,
        "exact": exact, "keys": keys,
    }  # fmt: skip
    today = utcnow().date()
    found = [
        match_of(hit_of(row.id, row.tier, row.key, nsn, _ending(row.key, digits)), row, today)
        for row in connection.execute(_STATEMENT, params)
    ]
    return ranked(found, limit)
