"""The customer 360 read model on both backends: contents, warranty texts, paging, ticket history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from store.db import write_session
from store.models import (
    Address,
    Call,
    Campaign,
    CampaignContact,
    Interaction,
    ProductCategory,
    TicketStatus,
)
from store.profile import load_page, load_profile, load_ticket, mask_card, warranty_status
from tests.factories import make_customer, make_holding, make_product, make_ticket

TODAY = date(2026, 11, 22)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ends_on", "text", "expiring"),
    [
        (TODAY + timedelta(days=12), "expires in 12 days", True),
        (TODAY, "expires today", True),
        (TODAY + timedelta(days=31), "active", False),
        (TODAY - timedelta(days=92), "expired 3 months ago", False),
        (TODAY - timedelta(days=5), "expired 5 days ago", False),
        (TODAY - timedelta(days=1), "expired 1 day ago", False),
        (TODAY - timedelta(days=800), "expired 2 years ago", False),
    ],
)
def test_warranty_status_texts(ends_on: date, text: str, expiring: bool) -> None:
    assert warranty_status(ends_on, TODAY) == (text, expiring)


def test_card_numbers_show_first_six_and_last_four_only() -> None:
    assert mask_card("4111 1111 1111 1234") == "411111******1234"
    assert mask_card("411111******1234") == "411111******1234"
    assert mask_card("1234") == "******1234"


def test_profile_shows_header_holdings_warranties_and_contacts(engine: Engine) -> None:
    customer = make_customer(
        engine, "Maria", "Rossi", phones=("+390612345678",), emails=("maria@example.com",),
        city="Roma", birth_date=date(1980, 11, 23), vip=True, loyalty_points=1200, points_expiring=300,
        consent_email=True,
    )  # fmt: skip
    card = make_product(engine, "gold_card", ProductCategory.CREDIT_CARD)
    fridge = make_product(engine, "fridge", ProductCategory.APPLIANCE, warranty_months=24)
    make_holding(engine, customer, card, reference="4111111111111234")
    make_holding(engine, customer, fridge, reference="SN-9", warranty_ends_on=TODAY + timedelta(days=12),
                 price_paid=Decimal("499.00"))  # fmt: skip
    make_ticket(engine, customer, "Broken door", category="complaint")
    with write_session(engine) as session:
        session.add(Address(customer_id=customer.id, line1="Via Po 2", city="Roma", country="IT",
                            undeliverable=True, undeliverable_reason="moved"))  # fmt: skip

    profile = load_profile(engine, customer.id, today=TODAY)

    assert profile is not None
    header = profile.header
    assert (header.name, header.age, header.version) == ("Maria Rossi", 45, 1)
    assert header.consents == ("email",)
    assert header.flags == ("address undeliverable", "open complaint", "VIP")
    assert [h.reference for h in profile.holdings.rows] == ["411111******1234", "SN-9"]
    assert profile.warranties.rows[0].status_text == "expires in 12 days"
    assert profile.warranties.rows[0].expiring
    assert profile.purchases.count == 1 and profile.purchases.total == Decimal("499.00")
    assert profile.purchases.favourite_category == "appliance"
    assert [p.e164 for p in profile.phones] == ["+390612345678"]
    assert [e.address for e in profile.emails] == ["maria@example.com"]
    assert len(profile.addresses) == 2


def test_missing_customer_is_none(engine: Engine) -> None:
    assert load_profile(engine, 999, today=TODAY) is None


def test_timeline_pins_open_tickets_then_newest_first(engine: Engine) -> None:
    customer = make_customer(engine)
    closed = make_ticket(engine, customer, "Old", status=TicketStatus.CLOSED, updated_at=at(20))
    open_ = make_ticket(engine, customer, "Still open", status=TicketStatus.OPEN, updated_at=at(1))
    with write_session(engine) as session:
        session.add(
            Interaction(customer_id=customer.id, ticket_id=closed.id, summary="chat", occurred_at=at(21))
        )
        session.add(Call(call_id="c-1", customer_id=customer.id, reason="billing", rang_at=at(22)))

    timeline = load_profile(engine, customer.id, today=TODAY).timeline

    assert [(r.kind, r.pinned) for r in timeline.rows] == [
        ("ticket", True), ("call", False), ("interaction", False), ("ticket", False),
    ]  # fmt: skip
    assert timeline.rows[0].ticket_id == open_.id
    assert timeline.total == 4


def test_sections_page_fifty_rows_at_a_time(engine: Engine) -> None:
    customer = make_customer(engine)
    product = make_product(engine, "kettle", ProductCategory.APPLIANCE)
    for n in range(120):
        make_holding(
            engine, customer, product, reference=f"SN{n:03d}", opened_on=date(2020, 1, 1) + timedelta(n)
        )

    first = load_profile(engine, customer.id, today=TODAY).holdings
    third = load_page(engine, "holdings", customer.id, today=TODAY, offset=100)

    assert (len(first.rows), first.total, first.has_more) == (50, 120, True)
    assert first.rows[0].reference == "SN119"
    assert (len(third.rows), third.has_more) == (20, False)
    assert third.rows[-1].reference == "SN000"


def test_campaign_history_and_counts(engine: Engine) -> None:
    customer = make_customer(engine)
    with write_session(engine) as session:
        spring = Campaign(code="SPRING26", name="Spring mailing")
        session.add(spring)
        session.flush()
        session.add(CampaignContact(campaign_id=spring.id, customer_id=customer.id, sent_on=date(2026, 3, 1),
                                    coupon_code="SPR-10", returned_mail=True))  # fmt: skip

    profile = load_profile(engine, customer.id, today=TODAY)

    assert [(c.code, c.coupon_code) for c in profile.campaigns.rows] == [("SPRING26", "SPR-10")]
    assert (profile.coupons_used, profile.returned_mail) == (1, 1)


def test_ticket_history_is_oldest_first_and_cleaned(engine: Engine) -> None:
    customer = make_customer(engine)
    ticket = make_ticket(engine, customer, "Refund\x1b[2J")
    with write_session(engine) as session:
        for day, text in ((3, "second"), (2, "first")):
            session.add(Interaction(customer_id=customer.id, ticket_id=ticket.id, summary=text,
                                    occurred_at=at(day), operator="anna"))  # fmt: skip

    history = load_ticket(engine, ticket.id)

    assert history is not None
    assert history.subject == "Refund"
    assert [i.title for i in history.interactions] == ["first", "second"]
    assert history.interactions[0].who == "anna"
