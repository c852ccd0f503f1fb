"""Returned mail in bulk: the right addresses marked, the mailing flagged, post held back, the
worklist filled and emptied by a new address; campaigns' response rates on known counts."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.campaigns import campaign_summaries
from store.contacts import AddressInput, record_address
from store.db import write_session
from store.models import Address, Campaign, CampaignContact, Channel, Customer
from store.models.auth import AuditRecord
from store.offers.active import ActiveOffer
from store.offers.facts import load_facts
from store.offers.suppression import offer_suppression
from store.returned_mail import apply_returned_mail, match_entries, read_entries
from store.returned_mail_worklist import undeliverable_customers
from tests.factories import make_customer

TODAY = date.today()
POST_OFFER = ActiveOffer(
    code="STATEMENTS",
    title="t",
    script="s",
    category="service",
    product_code="",
    value=1.0,
    weight=1.0,
    valid_from=None,
    valid_to=None,
    channels=frozenset({"post", "voice"}),
    cooldown_days=0,
    later_days=0,
    rule=None,
)


def _address(
    engine: Engine, customer: Customer, line1: str, postcode: str, city: str, kind: str = "home"
) -> int:
    with write_session(engine) as session:
        address = Address(
            customer_id=customer.id, kind=kind, line1=line1, postcode=postcode, city=city, country="ES"
        )
        session.add(address)
        session.flush()
        assert address.id is not None
        return address.id


def _campaigns(engine: Engine, customers: list[Customer]) -> None:
    """POSTAL: 4 sent (customers 0-3), 1 responded. EMAILED: 2 sent to customers 0 and 1, 1 responded."""
    with write_session(engine) as session:
        post = Campaign(code="POSTAL", name="Post", channel=Channel.POST, starts_on=TODAY - timedelta(20))
        mail = Campaign(code="EMAILED", name="Mail", channel=Channel.EMAIL, starts_on=TODAY - timedelta(5))
        session.add_all([post, mail])
        session.flush()
        for index, customer in enumerate(customers[:4]):
            session.add(
                CampaignContact(
                    campaign_id=post.id,
                    customer_id=customer.id,
                    sent_on=TODAY - timedelta(20),
                    coupon_code=f"P{index}",
                    responded_on=TODAY if index == 3 else None,
                )
            )
        for index, customer in enumerate(customers[:2]):
            session.add(
                CampaignContact(
                    campaign_id=mail.id,
                    customer_id=customer.id,
                    sent_on=TODAY - timedelta(5),
                    coupon_code=f"E{index}",
                    responded_on=TODAY if index == 1 else None,
                )
            )


def test_a_file_of_ids_and_addresses_marks_them_and_holds_post_back(engine: Engine) -> None:
    ana = make_customer(engine, "Ana", "Uno", external_id="C00000101", consent_post=True)
    bea = make_customer(engine, "Bea", "Dos")
    carla = make_customer(engine, "Carla", "Tres")  # shares Bea's flat
    dora = make_customer(engine, "Dora", "Cuatro")  # no address at all
    ana_home = _address(engine, ana, "Calle de Serrano 41, 3º B", "28001", "Madrid")
    _address(engine, ana, "Gran Vía 1", "28013", "Madrid", kind="office")
    bea_home = _address(engine, bea, "Via dei Coronari 12", "00186", "Roma")
    carla_home = _address(engine, carla, "Via dei Coronari 12", "00186", "Roma")
    _campaigns(engine, [ana, bea, carla, dora])
    lines = [
        "C00000101",
        "# a comment",
        "",
        "via dei coronari 12 00186 ROMA",
        str(dora.id),
        "999999",
        "Nowhere 1, 99999",
        str(ana.id),
    ]
    with engine.connect() as connection:
        matching = match_entries(connection, read_entries(lines))
    assert sorted((t.customer_id, t.address_id) for t in matching.targets) == sorted(
        [(ana.id, ana_home), (bea.id, bea_home), (carla.id, carla_home), (ana.id, ana_home)]
    )
    assert {(e.line_number, why) for e, why in matching.unmatched} == {
        (5, f"customer {dora.id} has no current postal address"),
        (6, "no customer 999999"),
        (7, "no current address reads like this (line1, postcode[, city])"),
    }
    assert (
        apply_returned_mail(
            engine, matching.targets, on=TODAY, reason="moved", operator="sup", campaign_code=None
        )
        == 3
    )
    with engine.connect() as connection:
        flags = dict(connection.execute(sa.select(Address.id, Address.undeliverable)).all())
        returned = set(
            connection.execute(
                sa.select(Campaign.code, CampaignContact.customer_id)
                .join(Campaign, Campaign.id == CampaignContact.campaign_id)
                .where(CampaignContact.returned_mail.is_(True))
            ).all()
        )
        audited = connection.scalar(
            sa.select(sa.func.count()).select_from(AuditRecord).where(AuditRecord.actor == "sup")
        )
        facts = load_facts(connection, ana.id, history_since=TODAY)
        version = connection.scalar(sa.select(Customer.version).where(Customer.id == ana.id))
        worklist = undeliverable_customers(connection)
        summaries = {s.code: s for s in campaign_summaries(connection)}
    assert [flags[a] for a in (ana_home, bea_home, carla_home)] == [True, True, True]
    assert sum(flags.values()) == 3  # Ana's office address is untouched
    assert returned == {
        ("POSTAL", ana.id),
        ("POSTAL", bea.id),
        ("POSTAL", carla.id),
    }  # the e-mail is not mail
    assert audited == 6 and version == 2
    assert facts is not None and not facts.mail_returned  # her office address still takes post
    assert {row.customer_id for row in worklist} == {ana.id, bea.id, carla.id}
    postal = summaries["POSTAL"]
    assert (postal.sent, postal.returned, postal.responded, postal.reached) == (4, 3, 1, 1)
    assert postal.response_rate == 1.0 and summaries["EMAILED"].response_rate == 0.5

    with engine.connect() as connection:
        bea_facts = load_facts(connection, bea.id, history_since=TODAY)
    assert bea_facts is not None and bea_facts.mail_returned
    bea_post = type(bea_facts)(**{**bea_facts.__dict__, "consented_channels": frozenset({"post"})})
    assert "mail comes back" in (offer_suppression(POST_OFFER, bea_post, channel="post", today=TODAY) or "")


def test_a_new_address_takes_the_customer_off_the_worklist(engine: Engine) -> None:
    """Regression: replacing an undeliverable address in the contact form must clear the flag.
    You should see the customer leave the worklist and post offers allowed again."""
    eva = make_customer(engine, "Eva", "Cinco")
    _address(engine, eva, "Rua Augusta 10", "1100-053", "Lisboa")
    with engine.connect() as connection:
        targets = match_entries(connection, read_entries([str(eva.id)])).targets
    apply_returned_mail(engine, targets, on=TODAY, reason="moved", operator="sup", campaign_code=None)
    with engine.connect() as connection:
        assert [row.customer_id for row in undeliverable_customers(connection)] == [eva.id]
        version = connection.scalar(sa.select(Customer.version).where(Customer.id == eva.id))
    new = AddressInput(kind="home", line1="Rua Nova 2", city="Lisboa", country="PT", postcode="1200-001")
    record_address(engine, eva.id, version, new, today=TODAY, operator="op")
    with engine.connect() as connection:
        assert undeliverable_customers(connection) == []
        facts = load_facts(connection, eva.id, history_since=TODAY)
    assert facts is not None and not facts.mail_returned
