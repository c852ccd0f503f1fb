"""Holdings, warranties, tickets and campaigns imported on both databases: references checked,
card numbers masked before anything is stored, upserts idempotent."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.imports import ImportOptions, import_file
from store.imports.activity import CAMPAIGN_HEADER, TICKET_HEADER
from store.imports.kinds import KINDS
from store.imports.products import HOLDING_HEADER, WARRANTY_HEADER
from store.models import Campaign, CampaignContact, Holding, ProductCategory, Ticket, Warranty
from tests.factories import make_product
from tests.test_import_customers import ADMIN, person, run, write_csv

CARD = "4111 1111 1111 1111"


def _import(engine: Engine, kind: str, path: Path) -> tuple[object, dict[int, str]]:
    bad: dict[int, str] = {}
    report = import_file(
        engine,
        ImportOptions(kind=kind, path=path, skip_bad=True, rejects=path.with_suffix(".rejects.csv")),
        actor=ADMIN,
        on_reject=bad.__setitem__,
    )
    return report, bad


def _rows(engine: Engine, model: type) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.select(model.__table__)).all()]  # type: ignore[attr-defined]


def test_every_kind_imports_with_its_references_checked(engine: Engine, tmp_path: Path) -> None:
    """Regression: rows pointing at nobody must not be stored, and a card number never in full.
    You should see unknown customers, products and holdings rejected by line, the card masked, and a
    second run of each file counted unchanged."""
    assert set(KINDS) == {"customers", "holdings", "warranties", "tickets", "campaigns"}
    run(engine, write_csv(tmp_path / "c.csv", [person(1), person(2)]))
    make_product(engine, "WASHER", ProductCategory.APPLIANCE)
    make_product(engine, "GOLD_CARD", ProductCategory.CREDIT_CARD)
    holdings = write_csv(
        tmp_path / "h.csv",
        [
            {
                "customer_external_id": "E1",
                "product_code": "WASHER",
                "reference": "SN-1",
                "opened_on": "2024-05-01",
                "price_paid": "499.90",
            },
            {
                "customer_external_id": "E2",
                "product_code": "GOLD_CARD",
                "reference": CARD,
                "status": "active",
            },
            {"customer_external_id": "NOBODY", "product_code": "WASHER", "reference": "SN-2"},
            {"customer_external_id": "E1", "product_code": "TOASTER", "reference": "SN-3"},
            {"customer_external_id": "E1", "product_code": "WASHER", "reference": "SN-4", "balance": "1.234"},
        ],
        header=HOLDING_HEADER,
    )
    report, bad = _import(engine, "holdings", holdings)
    assert report.tally.new == 2 and sorted(bad) == [4, 5, 6]
    assert "NOBODY" in bad[4] and "TOASTER" in bad[5] and "two decimals" in bad[6]
    references = {row[3] for row in _rows(engine, Holding)}
    assert references == {"SN-1", "411111******1111"}
    assert CARD.replace(" ", "") not in holdings.with_suffix(".rejects.csv").read_text()

    warranties = write_csv(
        tmp_path / "w.csv",
        [
            {
                "product_code": "WASHER",
                "holding_reference": "SN-1",
                "kind": "extended",
                "starts_on": "2026-05-01",
                "ends_on": "2029-05-01",
                "price": "89.00",
                "covers": "parts and labour",
            },
            {
                "product_code": "WASHER",
                "holding_reference": "SN-9",
                "starts_on": "2026-05-01",
                "ends_on": "2027-05-01",
            },
            {
                "product_code": "WASHER",
                "holding_reference": "SN-1",
                "starts_on": "2026-05-01",
                "ends_on": "2025-05-01",
            },
        ],
        header=WARRANTY_HEADER,
    )
    report, bad = _import(engine, "warranties", warranties)
    assert report.tally.new == 1 and "import holdings first" in bad[3] and "before starts_on" in bad[4]

    tickets = write_csv(
        tmp_path / "t.csv",
        [
            {"number": "CRM-1", "customer_external_id": "E1", "subject": "Drum noise", "priority": "high"},
            {
                "number": "CRM-2",
                "customer_external_id": "E2",
                "subject": "Refund",
                "opened_at": "2026-11-02T09:30:00",
            },
            {"number": "CRM-3", "customer_external_id": "E2", "subject": "", "priority": "soon"},
        ],
        header=TICKET_HEADER,
    )
    report, bad = _import(engine, "tickets", tickets)
    assert report.tally.new == 2 and "subject is empty" in bad[4] and "priority" in bad[4]

    campaigns = write_csv(
        tmp_path / "m.csv",
        [
            {
                "campaign_code": "SPRING26",
                "campaign_name": "Spring",
                "channel": "email",
                "customer_external_id": "E1",
                "sent_on": "2026-03-01",
                "responded_on": "2026-03-04",
            },
            {
                "campaign_code": "SPRING26",
                "customer_external_id": "E2",
                "sent_on": "2026-03-01",
                "returned_mail": "yes",
            },
        ],
        header=CAMPAIGN_HEADER,
    )
    report, bad = _import(engine, "campaigns", campaigns)
    assert (report.tally.new, bad) == (2, {})
    assert [(r[1], r[3]) for r in _rows(engine, Campaign)] == [("SPRING26", "email")]

    for kind, path in (
        ("holdings", holdings),
        ("warranties", warranties),
        ("tickets", tickets),
        ("campaigns", campaigns),
    ):
        again, _ = _import(engine, kind, path)
        assert (again.tally.new, again.tally.updated) == (0, 0), kind
    counts = [len(_rows(engine, m)) for m in (Holding, Warranty, Ticket, CampaignContact)]
    assert counts == [2, 1, 2, 2]
