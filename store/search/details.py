"""Turning hits into `Match`es: the few facts that tell two "Maria Rossi"s apart, in one query."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from store.messages import cleaned
from store.models import Address, Call, Customer, Interaction, Phone
from store.models.base import table_of
from store.phones import mask_phone
from store.sanitize import clean_line
from store.search.types import Hit, Match, rank_key, ranked
from store.timeutil import UTCDateTime, age_on, utcnow


def details_select(*extra: sa.ColumnElement) -> sa.Select:
    """Customers (and `extra` columns) with their primary phone, current city and last contact, as
    correlated subqueries; the caller says which customers. Statements are built once at import:
    building one took ~0.2 ms per search."""
    c, p, a = table_of(Customer).c, table_of(Phone).c, table_of(Address).c
    phone = (
        sa.select(p.e164)
        .where(p.customer_id == c.id)
        .order_by(sa.desc(p.is_primary), p.id)
        .limit(1)
        .scalar_subquery()
    )
    city = (
        sa.select(a.city)
        .where(a.customer_id == c.id, a.valid_to.is_(None))
        .order_by(sa.desc(a.kind == "home"), sa.desc(a.id))
        .limit(1)
        .scalar_subquery()
    )
    return sa.select(
        c.id,
        c.external_id,
        c.display_name,
        c.birth_date,
        c.status,
        phone.label("phone"),
        city.label("city"),
        *last_contact_columns(c.id),
        *extra,
    )


def last_contact_columns(customer_id: sa.ColumnElement[int]) -> tuple[sa.Label[datetime], sa.Label[datetime]]:
    """The customer's latest call and latest interaction (`last_call`, `last_interaction`), as
    correlated subqueries; `last_contact` picks the later of the two from the row."""
    calls, contacts = table_of(Call).c, table_of(Interaction).c
    call = sa.select(sa.func.max(calls.rang_at)).where(calls.customer_id == customer_id)
    contact = sa.select(sa.func.max(contacts.occurred_at)).where(contacts.customer_id == customer_id)
    return (
        sa.type_coerce(call.scalar_subquery(), UTCDateTime).label("last_call"),
        sa.type_coerce(contact.scalar_subquery(), UTCDateTime).label("last_interaction"),
    )


def last_contact(row: sa.Row) -> datetime | None:
    """The later of a row's `last_call` and `last_interaction` (`last_contact_columns`)."""
    last = [t for t in (row.last_call, row.last_interaction) if t is not None]
    return max(last) if last else None


def _tie_break_select() -> sa.Select:
    c = table_of(Customer).c
    return sa.select(c.id, c.external_id, c.display_name, c.status, *last_contact_columns(c.id))


_IDS: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
_DETAILS = details_select().where(table_of(Customer).c.id.in_(_IDS))
_TIE_BREAK = _tie_break_select().where(table_of(Customer).c.id.in_(_IDS))
"""What `rank_key` orders equal hits by, without the phone and city of `_DETAILS`."""


def match_of(hit: Hit, row: sa.Row, today: date) -> Match:
    """The Match shown for `hit`, from its `details_select` row."""
    phone = hit.phone or row.phone
    return Match(
        customer_id=row.id,
        external_id=clean_line(row.external_id),
        display_name=clean_line(row.display_name),
        score=round(hit.score, 1),
        matched_on=hit.matched_on,
        reason=cleaned(hit.reason),
        masked_phone=mask_phone(phone) if phone else "",
        city=clean_line(row.city),
        age=age_on(row.birth_date, today),
        status=str(row.status),
        last_contact=last_contact(row),
    )


def _best(connection: sa.Connection, hits: list[Hit], limit: int) -> list[Hit]:
    """The `limit` hits `ranked` would keep, told apart among equals by `_TIE_BREAK`'s few columns."""
    rows = {row.id: row for row in connection.execute(_TIE_BREAK, {"ids": [hit.customer_id for hit in hits]})}

    def key(hit: Hit) -> tuple:
        row = rows[hit.customer_id]
        return rank_key(
            hit.matched_on,
            round(hit.score, 1),
            last_contact(row),
            str(row.status),
            clean_line(row.display_name),
            clean_line(row.external_id),
        )

    return sorted((hit for hit in hits if hit.customer_id in rows), key=key)[:limit]


def matches_for(connection: sa.Connection, hits: list[Hit], limit: int) -> list[Match]:
    """The display rows of `hits`, the best `limit` in `ranked` order (hits of customers deleted
    meanwhile are dropped); past twice `limit` (many equal hits of a common name) only those
    `limit` are read in full: at 1M customers, 10 of 200 hits in 2.2 ms instead of 4.2, and 10 of
    20 in 0.40 instead of 0.38 (the one statement more costs what it saves)."""
    if len(hits) > 2 * limit:
        hits = _best(connection, hits, limit)
    if not hits:
        return []
    rows = {row.id: row for row in connection.execute(_DETAILS, {"ids": [hit.customer_id for hit in hits]})}
    today = utcnow().date()
    return ranked(
        [match_of(hit, rows[hit.customer_id], today) for hit in hits if hit.customer_id in rows], limit
    )
