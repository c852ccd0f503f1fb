"""The demo generator: the variety it promises, reproducibility, and refusing to load twice."""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import phonenumbers
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import make_engine, write_session
from store.demo import DemoRefused, generate_demo
from store.models import Customer, Holding, Phone, Warranty
from store.tickets import TICKET_NUMBER, TicketChange, apply_ticket_change
from store.wrapup.config import load_outcomes
from tests.factories import make_customer

TODAY = date(2026, 6, 15)


def rows(engine: Engine, query: str | sa.Select) -> list[sa.Row]:
    """Rows of a raw query, or of a select (which converts dates and booleans on SQLite too)."""
    with engine.connect() as connection:
        return list(connection.execute(sa.text(query) if isinstance(query, str) else query))


@pytest.fixture
def demo(engine: Engine) -> Engine:
    """200 demo customers, with the progress reports checked on the way."""
    reports: list[tuple[int, int]] = []
    stats = generate_demo(engine, customers=200, seed=5, today=TODAY, progress=lambda *r: reports.append(r))
    assert reports[-1] == (200, 200)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    assert stats.customers == 200
    for table, count in stats.rows.items():
        assert rows(engine, f'SELECT COUNT(*) FROM "{table}"')[0][0] == count, table
    return engine


def test_every_locale_with_its_accents_and_double_surnames(demo: Engine) -> None:
    homes = rows(demo, "SELECT DISTINCT country FROM address")
    assert {country for (country,) in homes} == {"IT", "ES", "BR", "PT", "US", "GB", "DE"}
    names = [name for (name,) in rows(demo, "SELECT display_name FROM customer")]
    assert any(not name.isascii() for name in names)
    spanish = rows(
        demo,
        "SELECT c.family_name FROM customer c JOIN address a ON a.customer_id = c.id "
        "WHERE a.country = 'ES' AND a.kind = 'home' AND a.valid_to IS NULL",
    )
    assert spanish and all(" " in family for (family,) in spanish)
    first = rows(demo, "SELECT id, display_name FROM customer WHERE id <= 8 ORDER BY id")
    assert first[0] == (1, "José García Núñez")
    assert [name for _, name in first[1:4]] == ["Maria Rossi", "Luca Rossi", "Sean O'Neill"]


def test_every_phone_is_valid_e164_and_some_landline_is_shared_by_a_household(demo: Engine) -> None:
    phones = rows(demo, "SELECT e164, kind, customer_id FROM phone")
    for e164, _, _ in phones:
        parsed = phonenumbers.parse(e164)
        assert phonenumbers.is_valid_number(parsed), e164
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == e164
    shared = rows(
        demo,
        "SELECT p.e164, COUNT(DISTINCT c.family_name), COUNT(DISTINCT a.line1), COUNT(DISTINCT c.id) "
        "FROM phone p JOIN customer c ON c.id = p.customer_id "
        "JOIN address a ON a.customer_id = c.id AND a.kind = 'home' AND a.valid_to IS NULL "
        "WHERE p.kind = 'home' GROUP BY p.e164 HAVING COUNT(DISTINCT c.id) > 1",
    )
    assert len(shared) >= 2
    assert all(families == 1 and homes == 1 for _, families, homes, _ in shared)
    assert ("+390612345678", 1, 1, 2) in [tuple(row) for row in shared]


def test_statuses_segments_and_holdings_per_customer(demo: Engine) -> None:
    held = dict(rows(demo, "SELECT customer_id, COUNT(*) FROM holding GROUP BY customer_id"))
    by_status = defaultdict(list)
    for customer_id, status in rows(demo, "SELECT id, status FROM customer"):
        by_status[status].append(held.get(customer_id, 0))
    assert set(by_status) == {"prospect", "active", "former"}
    assert set(by_status["prospect"]) == {0}
    assert all(1 <= count <= 6 for count in by_status["active"])
    assert all(count >= 1 for count in by_status["former"])
    segments = {segment for (segment,) in rows(demo, "SELECT DISTINCT segment FROM customer")}
    assert segments == {"mass", "affluent", "private", "small_business", "student"}
    flags = rows(
        demo,
        "SELECT SUM(CASE WHEN vip THEN 1 ELSE 0 END), SUM(CASE WHEN collections THEN 1 ELSE 0 END) "
        "FROM customer",
    )[0]
    assert flags[0] > 0 and flags[1] > 0
    soon = rows(
        demo,
        f"SELECT COUNT(*) FROM customer WHERE points_expiring > 0 "
        f"AND points_expire_on <= '{TODAY + timedelta(days=30)}'",
    )[0][0]
    assert soon > 0


def test_cards_are_masked_and_loans_have_their_next_payment(demo: Engine) -> None:
    held = rows(
        demo,
        "SELECT p.category, h.reference, h.balance, h.next_payment_on, h.status FROM holding h "
        "JOIN product p ON p.id = h.product_id",
    )
    cards = [reference for category, reference, *_ in held if category == "credit_card"]
    assert cards and all(re.fullmatch(r"\d{6}\*{6}\d{4}", reference) for reference in cards)
    loans = [row for row in held if row[0] in ("mortgage", "car_loan") and row[4] != "closed"]
    assert loans and all(row[2] is not None and row[3] is not None for row in loans)


def test_warranties_are_active_expiring_and_expired_relative_to_today(demo: Engine) -> None:
    ends = [
        ends_on for (ends_on,) in rows(demo, sa.select(Warranty.ends_on).where(Warranty.kind == "standard"))
    ]
    expired = [day for day in ends if day < TODAY]
    expiring = [day for day in ends if TODAY <= day <= TODAY + timedelta(days=30)]
    active = [day for day in ends if day > TODAY + timedelta(days=30)]
    assert expired and expiring and active
    extended = rows(demo, "SELECT price FROM warranty WHERE kind = 'extended'")
    assert extended and all(price > 0 for (price,) in extended)
    maria = rows(
        demo,
        sa.select(Warranty.ends_on)
        .join(Holding, Holding.id == Warranty.holding_id)
        .where(Holding.customer_id == 2, Warranty.kind == "standard"),
    )
    assert [ends_on for (ends_on,) in maria] == [TODAY + timedelta(days=12)]


def test_tickets_calls_addresses_campaigns_and_operators(demo: Engine) -> None:
    tickets = rows(
        demo,
        "SELECT t.status, t.category, COUNT(i.id) FROM ticket t "
        "LEFT JOIN interaction i ON i.ticket_id = t.id GROUP BY t.id, t.status, t.category",
    )
    assert {status for status, _, _ in tickets} == {"open", "pending", "resolved", "closed"}
    assert "complaint" in {category for _, category, _ in tickets}
    assert all(count >= 1 for _, _, count in tickets)
    assert {channel for (channel,) in rows(demo, "SELECT DISTINCT channel FROM interaction")} == {
        "voice",
        "chat",
        "email",
    }
    outcomes = {
        outcome
        for (outcome,) in rows(demo, "SELECT DISTINCT outcome FROM call WHERE answered_at IS NOT NULL")
    }
    configured = {outcome.key for outcome in load_outcomes().outcomes}
    assert len(outcomes) > 3 and outcomes <= configured  # what a wrap-up could have logged
    missed = rows(demo, "SELECT outcome FROM call WHERE answered_at IS NULL")
    assert missed and all(outcome == "" for (outcome,) in missed)
    returned = rows(demo, "SELECT undeliverable_on, undeliverable_reason FROM address WHERE undeliverable")
    assert returned and all(day and reason for day, reason in returned)
    assert {kind for (kind,) in rows(demo, "SELECT DISTINCT kind FROM address")} == {
        "home",
        "office",
        "billing",
    }
    bounced = rows(
        demo,
        "SELECT cc.customer_id FROM campaigncontact cc WHERE cc.returned_mail AND NOT EXISTS "
        "(SELECT 1 FROM address a WHERE a.customer_id = cc.customer_id AND a.undeliverable)",
    )
    assert bounced == []
    assert rows(demo, "SELECT COUNT(*) FROM campaigncontact WHERE responded_on IS NOT NULL")[0][0] > 0
    staff = set(rows(demo, "SELECT username, role, extension FROM operator"))
    assert {
        ("anna", "operator", "100"),
        ("marco", "operator", "101"),
        ("sofia", "supervisor", "200"),
    } <= staff
    assert ("admin", "admin") in {(user, role) for user, role, _ in staff}


def test_the_application_can_add_customers_after_a_demo_load(demo: Engine) -> None:
    """Regression: pre-assigned ids left PostgreSQL's sequences at 1. You should see id 201."""
    assert make_customer(demo, "Nuovo", "Cliente").id == 201


def customer_and_phone_rows(engine: Engine) -> list[tuple]:
    customers = rows(engine, sa.select(Customer).order_by(Customer.id))
    phones = rows(engine, sa.select(Phone).order_by(Phone.id))
    return [tuple(row) for row in customers + phones]


def test_same_seed_gives_the_same_customers_in_another_database(
    engine: Engine, sqlite_template: Path, tmp_path: Path
) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "other.db")
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    third = tmp_path / "third.db"
    shutil.copyfile(sqlite_template, third)
    different = make_engine(f"sqlite:///{third}")
    try:
        generate_demo(engine, customers=120, seed=11, today=TODAY)
        generate_demo(other, customers=120, seed=11, today=TODAY)
        generate_demo(different, customers=120, seed=12, today=TODAY)
        assert customer_and_phone_rows(engine) == customer_and_phone_rows(other)
        assert customer_and_phone_rows(engine) != customer_and_phone_rows(different)
    finally:
        other.dispose()
        different.dispose()


def test_refuses_a_database_with_customers_unless_appending(engine: Engine) -> None:
    generate_demo(engine, customers=30, seed=1, today=TODAY)
    with pytest.raises(DemoRefused, match="30 customers.*--append"):
        generate_demo(engine, customers=30, seed=2, today=TODAY)
    assert rows(engine, "SELECT COUNT(*) FROM customer")[0][0] == 30
    stats = generate_demo(engine, customers=30, seed=2, today=TODAY, append=True)
    assert stats.customers == 30 and stats.rows["operator"] == 0 and stats.rows["product"] == 0
    assert rows(engine, "SELECT COUNT(*), COUNT(DISTINCT external_id), MAX(id) FROM customer")[0] == (
        60,
        60,
        60,
    )
    assert rows(engine, "SELECT COUNT(*) FROM customer WHERE display_name = 'José García Núñez'")[0][0] == 1


def test_a_tiny_demo_has_exactly_the_customers_asked_for(engine: Engine) -> None:
    """Regression: the eight memorable customers came on top of a smaller count. You should see 5."""
    assert generate_demo(engine, customers=5, seed=1, today=TODAY).customers == 5
    assert rows(engine, "SELECT COUNT(*) FROM customer")[0][0] == 5


def test_demo_and_wrap_up_tickets_share_one_number_format(demo: Engine) -> None:
    """Regression: demo tickets were "TK00000042" and wrap-up ones "TK-261122-A1B2C3". You should
    see every ticket number in the one format."""
    customer_id = rows(demo, "SELECT MIN(id) FROM customer")[0][0]
    with write_session(demo) as session:
        change = TicketChange(subject="Invoice twice", category="billing")
        apply_ticket_change(
            session, change, customer_id=customer_id, now=datetime(2026, 11, 22, 9, tzinfo=UTC)
        )
    numbers = [row[0] for row in rows(demo, "SELECT number FROM ticket")]
    assert len(numbers) > 1 and all(TICKET_NUMBER.fullmatch(number) for number in numbers), numbers[:5]
