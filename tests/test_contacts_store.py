"""Contact edits on both backends: validation, optimistic locking, audit rows, addresses."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from store.contacts import (
    AddressInput,
    ContactFields,
    InvalidContact,
    StaleVersion,
    load_contact,
    mark_undeliverable,
    reapply,
    record_address,
    save_contact,
)
from store.db import read_session, write_session
from store.models import Address, Customer, Phone
from store.models.auth import AuditRecord
from store.models.events import ChangeEventRecord
from tests.factories import make_customer, opened_audit

TODAY = date(2026, 11, 22)


def audit_rows(engine: Engine) -> list[tuple[str, str, str, str, str]]:
    rows = opened_audit(engine, AuditRecord.action == "customer.edit")
    details = [(r.actor, json.loads(r.detail)) for r in rows]
    return [(who, d["entity"], d["field"], d["old_value"], d["new_value"]) for who, d in details]


def test_save_normalises_and_audits_every_changed_field(engine: Engine) -> None:
    customer = make_customer(engine, phones=("+390612345678",))
    snapshot = load_contact(engine, customer.id)
    assert snapshot is not None and snapshot.fields.mobile == "+390612345678"

    draft = replace(snapshot.fields, mobile="333 123 4567", email="Maria@Example.COM", consent_sms=True)
    version = save_contact(engine, customer.id, snapshot.version, draft, operator="anna", region="IT")

    saved = load_contact(engine, customer.id)
    assert version == saved.version == 2
    assert (saved.fields.mobile, saved.fields.email, saved.fields.consent_sms) == (
        "+393331234567", "maria@example.com", True,
    )  # fmt: skip
    assert audit_rows(engine) == [
        ("anna", "customer", "consent_sms", "no", "yes"),
        ("anna", "phone", "mobile", "+390612345678", "+393331234567"),
        ("anna", "email", "email", "", "maria@example.com"),
    ]
    with read_session(engine) as session:
        events = session.exec(select(ChangeEventRecord)).all()
    assert [(e.topic, e.key) for e in events] == [("customer", str(customer.id))]


def test_clearing_a_slot_deletes_the_phone(engine: Engine) -> None:
    customer = make_customer(engine, phones=("+390612345678",), emails=("a@example.com",))
    snapshot = load_contact(engine, customer.id)
    save_contact(engine, customer.id, 1, replace(snapshot.fields, mobile=""), operator="anna", region="IT")
    with read_session(engine) as session:
        assert session.exec(select(Phone)).all() == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "12", "too short"),
        ("email", "maria@", "Not an e-mail address"),
        ("preferred_language", "", "Required"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(
    engine: Engine, field: str, value: str, message: str
) -> None:
    customer = make_customer(engine, phones=("+390612345678",))
    draft = replace(load_contact(engine, customer.id).fields, **{field: value})
    with pytest.raises(InvalidContact) as raised:
        save_contact(engine, customer.id, 1, draft, operator="anna", region="IT")
    assert message in raised.value.errors[field]
    assert load_contact(engine, customer.id).version == 1


def test_no_way_to_reach_the_customer_is_refused(engine: Engine) -> None:
    customer = make_customer(engine)
    with pytest.raises(InvalidContact) as raised:
        save_contact(engine, customer.id, 1, ContactFields(), operator="anna", region="IT")
    assert "at least one phone" in raised.value.errors["mobile"]


def test_stale_version_is_refused_and_nothing_is_overwritten(engine: Engine) -> None:
    """Two operators opened version 1; the second save must not overwrite the first."""
    customer = make_customer(engine, phones=("+390612345678",))
    opened = load_contact(engine, customer.id)
    theirs = replace(opened.fields, mobile="+393331234567")
    mine = replace(opened.fields, mobile="+393339999999", consent_post=True)
    save_contact(engine, customer.id, opened.version, theirs, operator="bruno", region="IT")

    with pytest.raises(StaleVersion) as raised:
        save_contact(engine, customer.id, opened.version, mine, operator="anna", region="IT")

    assert raised.value.current_version == 2
    now = load_contact(engine, customer.id)
    assert (now.fields.mobile, now.fields.consent_post, now.version) == ("+393331234567", False, 2)
    assert [row[0] for row in audit_rows(engine)] == ["bruno"]


def test_reapply_puts_my_changes_on_top_of_theirs(engine: Engine) -> None:
    customer = make_customer(engine, phones=("+390612345678",))
    base = load_contact(engine, customer.id)
    save_contact(
        engine, customer.id, 1, replace(base.fields, email="b@example.com"), operator="bruno", region="IT"
    )
    mine = replace(base.fields, consent_post=True)
    theirs = load_contact(engine, customer.id)

    merged = reapply(base.fields, mine, theirs.fields)
    save_contact(engine, customer.id, theirs.version, merged, operator="anna", region="IT")

    final = load_contact(engine, customer.id).fields
    assert (final.email, final.consent_post) == ("b@example.com", True)


def test_mark_undeliverable_keeps_date_and_reason(engine: Engine) -> None:
    customer = make_customer(engine, city="Roma")
    with read_session(engine) as session:
        address = session.exec(select(Address)).one()
    with pytest.raises(InvalidContact):
        mark_undeliverable(engine, customer.id, 1, address.id, on=TODAY, reason="  ", operator="anna")

    version = mark_undeliverable(
        engine, customer.id, 1, address.id, on=TODAY, reason="moved away", operator="anna"
    )

    with read_session(engine) as session:
        stored = session.get(Address, address.id)
        assert session.get(Customer, customer.id).version == version == 2
    assert (stored.undeliverable, stored.undeliverable_on, stored.undeliverable_reason) == (
        True,
        TODAY,
        "moved away",
    )
    assert ("anna", "address", "undeliverable", "no", "yes") in audit_rows(engine)


def test_new_address_closes_the_old_one_of_its_kind(engine: Engine) -> None:
    customer = make_customer(engine, city="Roma")
    new = AddressInput(kind="home", line1="Corso\x1b[2J Italia 5", city="Milano", country="it")

    record_address(engine, customer.id, 1, new, today=TODAY, operator="anna")

    with read_session(engine) as session:
        rows = session.exec(select(Address).order_by(Address.id)).all()
    assert [(a.city, a.valid_to) for a in rows] == [("Roma", TODAY), ("Milano", None)]
    assert (rows[1].line1, rows[1].country, rows[1].valid_from) == ("Corso Italia 5", "IT", TODAY)
    with pytest.raises(StaleVersion):
        record_address(engine, customer.id, 1, new, today=TODAY, operator="anna")


def test_address_needs_street_city_and_country(engine: Engine) -> None:
    customer = make_customer(engine)
    with pytest.raises(InvalidContact) as raised:
        record_address(
            engine, customer.id, 1, AddressInput("home", "", "", "Italy"), today=TODAY, operator="a"
        )
    assert set(raised.value.errors) == {"line1", "city", "country"}


def test_a_save_racing_an_open_transaction_waits_then_is_refused(engine: Engine) -> None:
    """Two sessions at once: another writer has bumped the version but not committed yet. Our save
    must wait for it (row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), then be refused."""
    customer = make_customer(engine, phones=("+390612345678",))
    draft = replace(load_contact(engine, customer.id).fields, consent_post=True)
    outcome: list[BaseException | int] = []

    def save() -> None:
        try:
            outcome.append(save_contact(engine, customer.id, 1, draft, operator="anna", region="IT"))
        except StaleVersion as stale:
            outcome.append(stale)

    with write_session(engine) as other:
        other.execute(
            sa.update(Customer).where(Customer.id == customer.id).values(version=Customer.version + 1)
        )
        other.flush()
        racer = threading.Thread(target=save)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive(), "the second writer should wait for the first to commit"
    racer.join(timeout=10)

    assert len(outcome) == 1 and isinstance(outcome[0], StaleVersion)
    assert load_contact(engine, customer.id).fields.consent_post is False


def test_contact_save_can_record_a_new_address_in_the_same_version(engine: Engine) -> None:
    customer = make_customer(engine, phones=("+390612345678",), city="Roma")
    fields = load_contact(engine, customer.id).fields
    with pytest.raises(InvalidContact) as raised:
        save_contact(engine, customer.id, 1, replace(fields, email="bad@"), operator="anna", region="IT",
                     new_address=AddressInput("home", "Via Po 1", "", "IT"), today=TODAY)  # fmt: skip
    assert set(raised.value.errors) == {"email", "city"}

    torino = AddressInput("home", "Via Po 1", "Torino", "it")
    version = save_contact(
        engine, customer.id, 1, fields, operator="anna", region="IT", new_address=torino, today=TODAY
    )

    assert version == 2
    with read_session(engine) as session:
        rows = session.exec(select(Address).order_by(Address.id)).all()
    assert [(a.city, a.valid_to) for a in rows] == [("Roma", TODAY), ("Torino", None)]
