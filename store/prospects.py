"""A prospect made from an unknown caller, so the next call from that number pops their record."""

from __future__ import annotations

import uuid

import phonenumbers
import sqlalchemy as sa
from babel.languages import get_official_languages
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.db import write_session
from store.messages import N_
from store.models import Customer, CustomerStatus, Email, Phone
from store.notify import publish
from store.outbox import enqueue
from store.pan import redact_text
from store.phones import normalize_phone
from store.sanitize import clean_line


def create_prospect(
    engine: Engine,
    *,
    phone_e164: str | None = None,
    email: str | None = None,
    given_name: str = "",
    family_name: str = "",
    region: str = "",
) -> int:
    """The id of a new prospect reachable at `phone_e164` and/or `email`, or of the customer who
    already has that number or address (two operators pressing "new prospect" make one record).

    `region` only matters for a number written without its +country code. The prospect speaks the
    main language of the number's country, or of `region` when there is only an e-mail address.
    """
    phone = normalize_phone(phone_e164, region) if phone_e164 else None
    if phone_e164 and phone is None:
        raise ValueError(N_("not a valid phone number"))
    address = clean_line(email).lower() if email else ""
    if not phone and not address:
        raise ValueError(N_("a prospect needs a phone number or an e-mail address"))
    given, family = redact_text(clean_line(given_name))[:120], redact_text(clean_line(family_name))[:160]
    with write_session(engine) as session:
        _serialise(session, phone or address)
        existing = _existing(session, phone, address)
        if existing is not None:
            return existing
        customer = Customer(
            external_id=f"P{uuid.uuid4().hex[:15].upper()}",
            given_name=given,
            family_name=family,
            display_name=f"{given} {family}".strip() or "New prospect",
            status=CustomerStatus.PROSPECT,
            preferred_language=language_of(phone, region),
        )
        session.add(customer)
        session.flush()
        assert customer.id is not None
        if phone:
            session.add(Phone(customer_id=customer.id, e164=phone, is_primary=True))
        if address:
            session.add(Email(customer_id=customer.id, address=address, is_primary=True))
        publish(session, "customer", str(customer.id))
        enqueue(
            session,
            "prospect.created",
            {
                "customer_id": customer.id,
                "status": str(customer.status),
                "language": customer.preferred_language,
            },
        )
        return customer.id


def language_of(phone_e164: str | None, region: str) -> str:
    """The first official language of the number's country (of `region` without a number); "en"
    where neither says (a satellite or non-geographic number, an empty region)."""
    if phone_e164:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone_e164, None)) or region
    languages = get_official_languages(region.upper(), de_facto=True) if region else ()
    return languages[0] if languages else "en"


def _serialise(session: Session, key: str) -> None:
    """PostgreSQL: one prospect creation per number at a time (SQLite's BEGIN IMMEDIATE already is)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"prospect:{key}"})


def _existing(session: Session, phone: str | None, address: str) -> int | None:
    if phone:
        found = session.exec(select(sa.func.min(Phone.customer_id)).where(Phone.e164 == phone)).one()
        if found is not None:
            return int(found)
    if address:
        found = session.exec(select(sa.func.min(Email.customer_id)).where(Email.address == address)).one()
        if found is not None:
            return int(found)
    return None
