"""GDPR access and erasure on both databases; on SQLite the file's bytes are searched."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store import audit
from store.contacts import load_contact, save_contact
from store.db import write_session
from store.exports.customers import ExportFilter, export_customers
from store.gdpr import erase_customer, subject_access
from store.models import AuditRecord, Call, Customer, Holding, ProductCategory, Role, Ticket, every_table
from store.models.offers import OfferPresentation
from store.policy import Actor, Forbidden
from store.search import find_customers, rebuild_index
from store.timeutil import utcnow
from store.wrapup import WrapUpForm
from store.wrapup.drafts import Draft, load_draft, save_draft
from tests.factories import make_customer, make_holding, make_product, make_ticket, opened_audit
from tests.test_import_customers import ADMIN, GOOD, run, write_csv

PERSON = dict(
    GOOD,
    external_id="GDPR-0042",
    given_name="Zebulon",
    family_name="Quixotewski",
    email="zebulon.q@example.org",
    phones="+39 347 987 6543",
    street="Via Zzyzx 77",
)
IDENTIFIERS = (
    "zebulon",
    "quixotewski",
    "zebulon.q@example.org",
    "+393479876543",
    "3479876543",
    "3456789743",
    "via zzyzx 77",
    "gdpr-0042",
)
"""Lower-cased: names, e-mail, E.164, national number, reversed digits (the phone index), street, id."""


def _person_with_history(engine: Engine, tmp_path: Path) -> int:
    run(engine, write_csv(tmp_path / "in.csv", [PERSON]))
    with engine.connect() as connection:
        customer = connection.execute(sa.select(Customer).where(Customer.external_id == "GDPR-0042")).one()
    person = Customer(**customer._mapping)
    washer = make_product(engine, "WASHER", ProductCategory.APPLIANCE)
    make_holding(engine, person, washer, reference="SN-ZEB-1", warranty_ends_on=date(2027, 1, 1))
    make_ticket(engine, person, subject="Zebulon Quixotewski: drum noise")
    neighbour = make_customer(engine, "Luca", "Bianchi")
    with write_session(engine) as session:
        session.add(
            Call(call_id="c-1", customer_id=person.id, caller_number="+393479876543", notes="Zebulon angry")
        )
        session.add(
            Call(
                call_id="c-2", customer_id=neighbour.id, notes="called for Zebulon Quixotewski, +393479876543"
            )
        )
        session.add(
            OfferPresentation(call_id="c-1", customer_id=person.id, offer_code="X", reason="Zebulon likes it")
        )
    rebuild_index(engine)  # leaves free pages that once held the index: the erasure must scrub them
    assert person.id is not None
    return person.id


def _text_rows_naming(engine: Engine) -> list[str]:
    """Every table.column whose text still contains one of the identifiers."""
    found = []
    with engine.connect() as connection:
        for table in every_table().sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.String):
                    for needle in IDENTIFIERS:
                        hit = connection.scalar(
                            sa.select(sa.func.count())
                            .select_from(table)
                            .where(sa.func.lower(column).contains(needle))
                        )
                        if hit:
                            found.append(f"{table.name}.{column.name}: {needle}")
    return found


def test_erasure_leaves_no_identifier_anywhere(engine: Engine, tmp_path: Path) -> None:
    """Regression: an erased person must not survive in a table, a free page, the WAL, the index or
    the seat's drafts. You should see no identifier in any text column, none in the SQLite files'
    bytes, the neighbour's note cut, and the aggregates (calls, holdings, tickets) still counted."""
    customer_id = _person_with_history(engine, tmp_path)
    data_dir = tmp_path / "seat"
    draft = Draft("c-9", "anna", customer_id, utcnow(), WrapUpForm(notes="Zebulon Quixotewski again"))
    save_draft(data_dir, draft)

    report = erase_customer(engine, customer_id, actor=ADMIN, data_dir=data_dir)

    assert report.file_clean and report.local_entries == 1 and load_draft(data_dir, "c-9") is None
    assert _text_rows_naming(engine) == []
    with engine.connect() as connection:
        assert (
            connection.scalar(
                sa.select(sa.func.count()).select_from(Call).where(Call.customer_id == customer_id)
            )
            == 1
        )
        assert connection.scalar(sa.select(sa.func.count()).select_from(Holding)) == 1
        assert connection.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1
        note = connection.scalar(sa.select(Call.notes).where(Call.call_id == "c-2"))
    assert note == "called for [erased], [erased]"
    assert find_customers(engine, "quixotewski", region="IT").matches == []
    if engine.dialect.name == "sqlite":
        database = Path(engine.url.database or "")
        files = [p for p in (database, Path(f"{database}-wal"), Path(f"{database}-shm")) if p.exists()]
        files += list(data_dir.glob("*"))
        for path in files:
            content = path.read_bytes().lower()
            for needle in IDENTIFIERS:
                assert needle.encode() not in content, f"{needle} in {path.name}"


def test_an_erased_person_is_never_exported_or_imported_again(engine: Engine, tmp_path: Path) -> None:
    customer_id = _person_with_history(engine, tmp_path)
    with write_session(engine) as session:
        session.execute(sa.update(Customer).values(consent_email=True))
    erase_customer(engine, customer_id, actor=ADMIN, data_dir=None)

    assert (
        export_customers(engine, ExportFilter(), fmt="csv", out=tmp_path / "o.csv", actor=ADMIN) == 1
    )  # Luca
    report, bad = run(engine, write_csv(tmp_path / "again.csv", [PERSON]))
    assert not report.applied and "erased on request" in bad[2]


def test_subject_access_has_everything_and_is_admin_only(engine: Engine, tmp_path: Path) -> None:
    customer_id = _person_with_history(engine, tmp_path)

    data = subject_access(engine, customer_id, actor=ADMIN)

    assert data is not None and data["customer"]["given_name"] == "Zebulon"
    assert {"phone", "email", "address", "holding", "warranty", "ticket", "call", "offerpresentation"} <= set(
        data
    )
    assert [row["reference"] for row in data["holding"]] == ["SN-ZEB-1"]
    assert subject_access(engine, 999_999, actor=ADMIN) is None
    with pytest.raises(Forbidden):
        subject_access(engine, customer_id, actor=Actor("op", Role.SUPERVISOR))
    with pytest.raises(Forbidden):
        erase_customer(engine, customer_id, actor=Actor("op", Role.OPERATOR), data_dir=None)


def test_erasure_keeps_the_audit_chain_and_shreds_what_the_log_held(engine: Engine, tmp_path: Path) -> None:
    """Regression: the erasure rewrote the person's audit rows, which the append-only, hash-chained
    log refuses (and a rewritable log proves nothing); then a console edit's new value stayed in its
    `customer.edit` row. You should see the person's audit rows in their subject access, the chain
    intact after the erasure with a clear `customer.erase` tombstone, no identifier in the data
    verbs' rows (an import update, the access, the erasure), and the edit's values `[erased]`."""
    customer_id = _person_with_history(engine, tmp_path)
    run(engine, write_csv(tmp_path / "moved.csv", [dict(PERSON, street="Via Zzyzx 78")]))
    snapshot = load_contact(engine, customer_id)
    assert snapshot is not None
    edited = replace(snapshot.fields, email_2="zeb.second@example.net")
    save_contact(engine, customer_id, snapshot.version, edited, operator="anna", region="IT")

    access = subject_access(engine, customer_id, actor=ADMIN)
    assert access is not None
    assert {"customer.import", "customer.edit"} <= {row["action"] for row in access["auditlog"]}
    assert "zeb.second@example.net" in " ".join(row["detail"] for row in access["auditlog"])
    erase_customer(engine, customer_id, actor=ADMIN, data_dir=None)

    assert audit.verify(engine)[1] is None
    rows = [(row.action, row.detail) for row in opened_audit(engine, AuditRecord.customer_id == customer_id)]
    assert [action for action, _ in rows][-2:] == ["customer.subject_access", "customer.erase"]
    assert json.loads(rows[-1][1])["audit_key"] == 1
    ours = " ".join(detail.lower() for _, detail in rows)
    assert [needle for needle in (*IDENTIFIERS, "via zzyzx 78", "zeb.second") if needle in ours] == []
    assert {detail for action, detail in rows if action == "customer.edit"} == {"[erased]"}
