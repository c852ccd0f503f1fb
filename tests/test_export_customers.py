"""`export_customers` on both databases: consent, filters, hostile text, round trip, audit, role."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import write_session
from store.exports.customers import ExportFilter, export_customers
from store.models import Address, AuditRecord, Customer, Holding, Product, ProductCategory, Role
from store.models.segments import CustomerRfm, SegmentMember
from store.policy import Actor, Forbidden
from store.sanitize import clean_text
from tests.conftest import load_hostile_strings
from tests.test_import_customers import ADMIN, person, run, write_csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def consents(engine: Engine, external_id: str, **values: bool) -> None:
    with write_session(engine) as session:
        session.execute(sa.update(Customer).where(Customer.external_id == external_id).values(**values))


def exported_ids(engine: Engine, tmp_path: Path, flt: ExportFilter, fmt: str = "csv") -> list[str]:
    out = tmp_path / f"out.{fmt}"
    export_customers(engine, flt, fmt=fmt, out=out, actor=ADMIN)
    if fmt == "csv":
        return [row["external_id"] for row in csv.DictReader(out.open(encoding="utf-8"))]
    return [json.loads(line)["external_id"] for line in out.read_text(encoding="utf-8").splitlines()]


def test_only_consenting_people_are_exported_and_filters_narrow(engine: Engine, tmp_path: Path) -> None:
    """Regression: an export for marketing must respect consent. You should see nobody without the
    asked consent (nobody without any consent at all), and segment/city/product filters applied."""
    rows = [person(1, city="Roma"), person(2, city="Milano"), person(3, city="roma"), person(4)]
    run(engine, write_csv(tmp_path / "in.csv", rows))
    consents(engine, "E1", consent_email=True, segment="affluent")
    consents(engine, "E2", consent_sms=True)
    consents(engine, "E3", consent_email=True)
    with write_session(engine) as session:
        product = Product(code="MORTGAGE", name="Mortgage", category=ProductCategory.MORTGAGE)
        session.add(product)
        session.flush()
        e3 = session.scalar(sa.select(Customer.id).where(Customer.external_id == "E3"))
        session.add(Holding(customer_id=e3, product_id=product.id, reference="M-1"))

    assert exported_ids(engine, tmp_path, ExportFilter()) == ["E1", "E2", "E3"]  # E4 gave no consent
    assert exported_ids(engine, tmp_path, ExportFilter(consent="email")) == ["E1", "E3"]
    assert exported_ids(engine, tmp_path, ExportFilter(consent="post")) == []
    assert exported_ids(engine, tmp_path, ExportFilter(city="ROMA"), fmt="jsonl") == ["E1", "E3"]
    assert exported_ids(engine, tmp_path, ExportFilter(segment="affluent")) == ["E1"]
    assert exported_ids(engine, tmp_path, ExportFilter(holds="MORTGAGE")) == ["E3"]
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o600
    with engine.connect() as connection:
        audited = connection.scalars(sa.select(AuditRecord.action).where(AuditRecord.actor == "ada")).all()
    assert audited.count("customer.export") == 6


def test_computed_segments_filter_and_returned_mail_stops_post_exports(
    engine: Engine, tmp_path: Path
) -> None:
    """Regression: `export --segment champions` found nobody (only the stored label was read), and
    a post export still listed an address the mail came back from. You should see the RFM and rule
    segments select, and the undeliverable home address left out of the post export."""
    run(engine, write_csv(tmp_path / "in.csv", [person(1), person(2), person(3)]))
    with write_session(engine) as session:
        session.execute(sa.update(Customer).values(consent_post=True))
        ids = dict(session.execute(sa.select(Customer.external_id, Customer.id)).all())
        session.add(CustomerRfm(customer_id=ids["E1"], r=5, f=5, m=5, rfm_segment="champions"))
        session.add(SegmentMember(segment="lapsed_card_holders", customer_id=ids["E2"]))
        session.execute(sa.update(Address).where(Address.customer_id == ids["E3"]).values(undeliverable=True))
    assert exported_ids(engine, tmp_path, ExportFilter(segment="champions")) == ["E1"]
    assert exported_ids(engine, tmp_path, ExportFilter(segment="lapsed_card_holders")) == ["E2"]
    assert exported_ids(engine, tmp_path, ExportFilter(consent="post")) == ["E1", "E2"]
    assert exported_ids(engine, tmp_path, ExportFilter()) == ["E1", "E2", "E3"]


def test_hostile_text_leaves_as_plain_safe_cells_and_round_trips(engine: Engine, tmp_path: Path) -> None:
    """Regression: CSV injection and terminal escapes in an export. You should see no cell starting
    with = + - @ (or a tab), no control character in any cell, and the exported file importing back
    with every row unchanged."""
    hostile = [entry["value"] for entry in load_hostile_strings()]
    rows = [
        person(n, given_name=v[:120], family_name="-" + v[:100], street="@" + v[:150], city="=" + v[:100])
        for n, v in enumerate(hostile, start=1)
    ]
    run(engine, write_csv(tmp_path / "in.csv", rows), skip_bad=True, rejects=tmp_path / "r.csv")
    with write_session(engine) as session:
        session.execute(sa.update(Customer).values(consent_email=True))
    out = tmp_path / "out.csv"

    count = export_customers(engine, ExportFilter(), fmt="csv", out=out, actor=ADMIN)

    assert count > 0
    cells = [cell for row in csv.reader(out.open(encoding="utf-8")) for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert all(cell == clean_text(cell) for cell in cells)
    report, bad = run(engine, out)
    assert (report.tally.unchanged, report.tally.updated, bad) == (count, 0, {})
    export_customers(engine, ExportFilter(), fmt="jsonl", out=tmp_path / "out.jsonl", actor=ADMIN)
    for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines():
        assert all(value == clean_text(value) for value in json.loads(line).values())


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR])
def test_only_admins_export(engine: Engine, tmp_path: Path, role: Role) -> None:
    with pytest.raises(Forbidden):
        export_customers(engine, ExportFilter(), fmt="csv", out=tmp_path / "o.csv", actor=Actor("x", role))
    assert not (tmp_path / "o.csv").exists()
