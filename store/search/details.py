"""Turning hits into `Match`es: the few facts that tell two "Maria Rossi"s apart, fetched in batches."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from store.models import Address, Call, Customer, Interaction, Phone
from store.phones import mask_phone
from store.sanitize import clean_line
from store.search.types import Hit, Match
from store.timeutil import utcnow


def age_on(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _grouped_max(connection: sa.Connection, column: sa.Column, owner: sa.Column, ids: list[int]) -> dict:
    rows = connection.execute(sa.select(owner, sa.func.max(column)).where(owner.in_(ids)).group_by(owner))
    return {owner_id: value for owner_id, value in rows if value is not None}


def matches_for(connection: sa.Connection, hits: list[Hit]) -> list[Match]:
    """The display rows of `hits`, in their order (hits of customers deleted meanwhile are dropped)."""
    ids = [hit.customer_id for hit in hits]
    if not ids:
        return []
    customers = {
        c.id: c for c in connection.execute(sa.select(Customer.__table__).where(Customer.id.in_(ids)))
    }
    phones: dict[int, str] = {}
    for row in connection.execute(
        sa.select(Phone.customer_id, Phone.e164).where(Phone.customer_id.in_(ids)).order_by(Phone.is_primary)
    ):
        phones[row.customer_id] = row.e164  # primary last, so it wins
    cities: dict[int, str] = {}
    for row in connection.execute(
        sa.select(Address.customer_id, Address.city)
        .where(Address.customer_id.in_(ids), Address.valid_to.is_(None))
        .order_by(sa.desc(Address.kind == "home"))
    ):
        cities.setdefault(row.customer_id, row.city)
    calls = _grouped_max(connection, Call.__table__.c.rang_at, Call.__table__.c.customer_id, ids)
    contacts = _grouped_max(
        connection, Interaction.__table__.c.occurred_at, Interaction.__table__.c.customer_id, ids
    )
    today = utcnow().date()
    found = []
    for hit in hits:
        customer = customers.get(hit.customer_id)
        if customer is None:
            continue
        phone = hit.phone or phones.get(hit.customer_id)
        last: list[datetime] = [t for t in (calls.get(hit.customer_id), contacts.get(hit.customer_id)) if t]
        found.append(
            Match(
                customer_id=customer.id,
                external_id=clean_line(customer.external_id),
                display_name=clean_line(customer.display_name),
                score=round(hit.score, 1),
                matched_on=hit.matched_on,
                reason=clean_line(hit.reason),
                masked_phone=mask_phone(phone) if phone else "",
                city=clean_line(cities.get(hit.customer_id, "")),
                age=age_on(customer.birth_date, today),
                status=str(customer.status),
                last_contact=max(last) if last else None,
            )
        )
    return found
