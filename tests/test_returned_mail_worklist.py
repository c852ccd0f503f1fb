"""The supervisors' returned-mail worklist in the store, on both databases: oldest flag first a
page at a time, with the returned mailings and the last contact; refused to an operator; a row
gone once the contact form confirms or replaces the address."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.contacts import AddressInput, load_contact, save_contact
from store.db import write_session
from store.models import Address, Call, Campaign, CampaignContact, Channel, Customer, Interaction, Role
from store.policy import Forbidden
from store.replica import Engines
from store.returned_mail_worklist import undeliverable_customers, worklist_page, worklist_rows_of
from tests.factories import make_customer, make_returned_mail
from tests.harness import sign_in

TODAY = date(2026, 11, 22)


def _returned_mailings(engine: Engine, customer: Customer, count: int) -> None:
    with write_session(engine) as session:
        campaign = Campaign(code=f"POST{customer.id}", name="Post", channel=Channel.POST, starts_on=TODAY)
        session.add(campaign)
        session.flush()
        for n in range(count):
            session.add(CampaignContact(campaign_id=campaign.id, customer_id=customer.id,
                                        sent_on=TODAY - timedelta(days=n), coupon_code=f"C{customer.id}-{n}",
                                        returned_mail=True))  # fmt: skip


def test_pages_oldest_first_with_counts_and_last_contact(engine: Engine) -> None:
    supervisor = sign_in(engine, "sam", role=Role.SUPERVISOR)
    customers = [make_customer(engine, "Cliente", f"N{n}") for n in range(5)]
    undated = make_customer(engine, "Senza", "Data")
    flagged = [make_returned_mail(engine, c, TODAY - timedelta(days=10 - n)) for n, c in enumerate(customers)]
    second = make_returned_mail(
        engine, customers[0], TODAY - timedelta(days=10), kind="billing", line1="Via Po 2"
    )
    make_returned_mail(engine, undated, None)
    _returned_mailings(engine, customers[1], 3)
    called, wrote = datetime(2026, 11, 1, 9, tzinfo=UTC), datetime(2026, 11, 3, 9, tzinfo=UTC)
    with write_session(engine) as session:
        session.add(Call(call_id="c-1", customer_id=customers[1].id, rang_at=called))
        session.add(Interaction(customer_id=customers[1].id, occurred_at=wrote, summary="letter"))
    engines = Engines.single(engine)

    first = worklist_page(engines, supervisor, limit=4)
    assert first.next is not None
    rest = worklist_page(engines, supervisor, first.next, limit=4)
    assert rest.next is None
    rows = first.rows + rest.rows
    assert [r.address_id for r in rows] == [rows[0].address_id, flagged[0], second, *flagged[1:]]
    assert rows[0].customer_id == undated.id and rows[0].since is None
    with engine.connect() as connection:
        assert [r.address_id for r in undeliverable_customers(connection)] == [r.address_id for r in rows]
    by_address = {r.address_id: r for r in rows}
    busy = by_address[flagged[1]]
    assert (busy.returned_mailings, busy.last_contact, busy.reason) == (3, wrote, "moved")
    assert busy.address == "Via Roma 1, 00100, Roma" and busy.since == TODAY - timedelta(days=9)
    assert (by_address[flagged[2]].returned_mailings, by_address[flagged[2]].last_contact) == (0, None)
    assert [r.address_id for r in worklist_rows_of(engine, supervisor, customers[0].id or 0)] == [
        flagged[0],
        second,
    ]


def test_an_operator_is_refused_and_an_admin_is_not(engine: Engine) -> None:
    """Regression guard: hiding the palette command from an operator is a courtesy; the store
    itself must refuse. You should see Forbidden for the operator, the row for an admin."""
    customer = make_customer(engine)
    make_returned_mail(engine, customer, TODAY)
    operator = sign_in(engine, "anna")
    admin = sign_in(engine, "root", extension="101", role=Role.ADMIN)
    with pytest.raises(Forbidden):
        worklist_page(Engines.single(engine), operator)
    with pytest.raises(Forbidden):
        worklist_rows_of(engine, operator, customer.id or 0)
    assert [r.customer_id for r in worklist_page(Engines.single(engine), admin).rows] == [customer.id]


@pytest.mark.parametrize(
    ("typed", "stays"),
    [
        (
            AddressInput(kind="home", line1="Via Nuova 3", city="Milano", country="IT", postcode="20100"),
            False,
        ),
        (AddressInput(kind="home", line1="Via Roma 1", city="Roma", country="it", postcode="00100"), False),
        (AddressInput(kind="office", line1="Via Ufficio 9", city="Roma", country="IT"), True),
    ],
    ids=["replaced", "confirmed", "another-kind"],
)
def test_the_contact_form_clears_the_flag(engine: Engine, typed: AddressInput, stays: bool) -> None:
    """Regression: the worklist is emptied by the contact form. You should see a replaced or a
    confirmed (retyped) home address take the customer off it, and an office address added
    beside the returning home one leave them on it."""
    supervisor = sign_in(engine, "sam", role=Role.SUPERVISOR)
    customer = make_customer(engine, phones=("+390612345678",))
    make_returned_mail(engine, customer, TODAY)
    snapshot = load_contact(engine, customer.id or 0)
    assert snapshot is not None
    save_contact(engine, customer.id or 0, snapshot.version, snapshot.fields, operator="anna", region="IT",
                 new_address=typed, today=TODAY)  # fmt: skip
    assert bool(worklist_rows_of(engine, supervisor, customer.id or 0)) is stays
    with engine.connect() as connection:
        current = connection.scalar(
            sa.select(sa.func.count())
            .select_from(Address)
            .where(Address.customer_id == customer.id, Address.valid_to.is_(None))  # type: ignore[union-attr]
        )
    assert current == (2 if stays else 1)
