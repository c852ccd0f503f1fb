"""`merge_customers` on both databases: every child row kept, history, search, audit, refusals."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.cli import main
from store.db import write_session
from store.merge import MergeRefused, merge_customers, resolve_customer
from store.models import (
    AuditRecord,
    Call,
    Campaign,
    CampaignContact,
    Customer,
    Email,
    Holding,
    Interaction,
    Phone,
    ProductCategory,
    Role,
    Ticket,
)
from store.models.offers import OfferPresentation
from store.policy import Actor, Forbidden
from store.search import find_customers
from tests.factories import make_customer, make_holding, make_product, make_ticket, opened_audit
from tests.test_import_customers import ADMIN

CHILDREN = (Holding, Ticket, Interaction, Call, CampaignContact, OfferPresentation)


def _with_history(engine: Engine, customer: Customer, tag: str) -> None:
    product = make_product(engine, f"WASHER_{tag}", ProductCategory.APPLIANCE)
    make_holding(engine, customer, product, reference=f"SN-{tag}", warranty_ends_on=date(2027, 1, 1))
    ticket = make_ticket(engine, customer, subject=f"Noise {tag}")
    with write_session(engine) as session:
        campaign = Campaign(code=f"SPRING_{tag}", name="Spring")
        session.add(campaign)
        session.flush()
        session.add(
            CampaignContact(campaign_id=campaign.id, customer_id=customer.id, sent_on=date(2026, 3, 1))
        )
        session.add(Interaction(customer_id=customer.id, ticket_id=ticket.id, summary=f"called {tag}"))
        session.add(Call(call_id=f"call-{tag}", customer_id=customer.id, notes="wants a refund"))
        session.add(OfferPresentation(call_id=f"call-{tag}", customer_id=customer.id, offer_code="X"))


def _count(engine: Engine, model: type, customer_id: int) -> int:
    with engine.connect() as connection:
        return connection.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.customer_id == customer_id)  # type: ignore[attr-defined]
        )


def test_merge_keeps_every_child_row_and_both_old_ids(engine: Engine) -> None:
    """Regression: a merge that drops a holding, ticket, call or offer loses history. You should see
    every child row of both records under the survivor, the other's new phone searchable, the other's
    ids resolving to the survivor, and the merge audited."""
    keep = make_customer(engine, "Maria", "Rossi", phones=("+393471234567",), emails=("maria@example.com",))
    other = make_customer(
        engine,
        "Mariа",
        "Rosi",
        phones=("+393471234567", "+390612345678"),
        emails=("m.rossi@example.com",),
        birth_date=date(1980, 2, 3),
    )
    _with_history(engine, keep, "A")
    _with_history(engine, other, "B")
    assert keep.id is not None and other.id is not None

    result = merge_customers(engine, keep.id, other.id, actor=ADMIN, take=("birth_date",))

    for model in CHILDREN:
        assert _count(engine, model, keep.id) == 2, model.__name__
    assert (_count(engine, Phone, keep.id), _count(engine, Email, keep.id)) == (2, 2)
    assert result.moved["holding"] == 1 and result.moved["phone"] == 1
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Customer.id).where(Customer.id == other.id)) is None
        assert connection.scalar(sa.select(Customer.birth_date).where(Customer.id == keep.id)) == date(
            1980, 2, 3
        )
        assert resolve_customer(connection, str(other.id)) == keep.id
        assert resolve_customer(connection, other.external_id) == keep.id
    merges = opened_audit(engine, AuditRecord.action == "customer.merge", AuditRecord.customer_id == keep.id)
    details = [row.detail for row in merges]
    assert len(details) == 1
    assert json.loads(details[0])["merged"] == other.id and json.loads(details[0])["took"] == ["birth_date"]
    found = find_customers(engine, "06 1234 5678", region="IT").matches
    assert [m.customer_id for m in found] == [keep.id]


def test_merge_refuses_what_it_cannot_do(engine: Engine) -> None:
    a = make_customer(engine, "Ana", "Lopes")
    assert a.id is not None
    with pytest.raises(MergeRefused, match="itself"):
        merge_customers(engine, a.id, a.id, actor=ADMIN)
    with pytest.raises(MergeRefused, match="no customer with id 999"):
        merge_customers(engine, a.id, 999, actor=ADMIN)
    with pytest.raises(MergeRefused, match="pickable"):
        merge_customers(engine, a.id, 999, actor=ADMIN, take=("external_id",))
    with pytest.raises(Forbidden):
        merge_customers(engine, a.id, 999, actor=Actor("op", Role.OPERATOR))


def test_merge_verb(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from store.db import make_engine
    from tests.test_import_cli import acting_database

    url = acting_database(tmp_path)

    engine = make_engine(url)
    a = make_customer(engine, "Ana", "Lopes", phones=("+5511912345678",))
    b = make_customer(engine, "Anna", "Lopes", phones=("+5511912345679",))
    engine.dispose()
    capsys.readouterr()

    assert main(["merge", a.external_id, b.external_id, "--database", url]) == 2  # no terminal, no --yes
    assert "--yes" in capsys.readouterr().err
    assert main(["merge", a.external_id, b.external_id, "--database", url, "--yes"]) == 0
    out, err = capsys.readouterr()
    assert f"merged customer {b.id} into {a.id}" in out and "Anna" in err


def test_a_feed_naming_the_merged_id_updates_the_survivor(engine: Engine, tmp_path: Path) -> None:
    """Regression: after a merge the nightly feed still sends the other record's id. You should see
    the survivor updated, not the duplicate created again."""
    from tests.test_import_customers import person, run, write_csv

    run(engine, write_csv(tmp_path / "a.csv", [person(1), person(2, given_name="Given1")]))
    with engine.connect() as connection:
        ids = dict(connection.execute(sa.select(Customer.external_id, Customer.id)).all())
    merge_customers(engine, ids["E1"], ids["E2"], actor=ADMIN)

    report, _ = run(engine, write_csv(tmp_path / "b.csv", [person(2, given_name="Giovanna")]))

    assert (report.tally.new, report.tally.updated) == (0, 1)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(Customer.external_id, Customer.given_name)).all()
    assert [tuple(r) for r in rows] == [("E1", "Giovanna")]
