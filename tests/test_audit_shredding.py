"""Crypto-shredding of the audit log (store.audit_seal) on both databases: what a row says about a
person is sealed with their key, and an erasure that deletes the key leaves the chain intact and
the values unreadable, on screen and on disk."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.cli import main
from store import audit
from store.access import view_profile
from store.contacts import load_contact, save_contact
from store.db import write_session
from store.merge import merge_customers
from store.models import AuditKey, AuditRecord, Customer, Role
from store.policy import Actor
from store.replica import Engines
from tests.conftest import POSTGRES_ONLY
from tests.factories import make_customer, opened_audit
from tests.harness import operator_row
from tests.test_audit_chain import _unguarded

ADMIN = Actor("root-admin", Role.ADMIN)
SECRET = "ottavio.secret@example.net"


def _edit_email(engine: Engine, customer: Customer, address: str) -> None:
    assert customer.id is not None
    snapshot = load_contact(engine, customer.id)
    assert snapshot is not None
    edited = replace(snapshot.fields, email_2=address)
    save_contact(engine, customer.id, snapshot.version, edited, operator="anna", region="IT")


def _keys(engine: Engine, customer_id: int) -> list[bytes]:
    with engine.connect() as connection:
        return [
            bytes(key)
            for key in connection.scalars(sa.select(AuditKey.key).where(AuditKey.customer_id == customer_id))
        ]


def _show(database_url: str, customer_id: int, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    capsys.readouterr()
    assert main(["audit", "show", "--customer", str(customer_id), "--json", "--database", database_url]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_erasure_shreds_the_persons_audit_rows(
    database_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: a console edit's old and new values stayed readable in the append-only audit
    log after the person was erased. You should see them sealed at rest, readable in `audit show`
    before the erasure; afterwards `audit verify` passes, `audit show` and `gdpr export` say
    [erased], and neither the value nor the key is left in the SQLite file or its WAL."""
    from console.acting import os_account

    operator_row(engine, os_account(), extension="999", role=Role.ADMIN)
    person = make_customer(engine, "Ottavio", "Quarzinetti")
    assert person.id is not None
    _edit_email(engine, person, SECRET)
    assert view_profile(Engines.single(engine), ADMIN, person.id, today=date(2026, 12, 1)) is not None
    with engine.connect() as connection:
        stored = connection.scalars(sa.select(AuditRecord.detail).where(AuditRecord.customer_id == person.id))
        assert all(detail.startswith("k1:") for detail in stored)
    edits = [row for row in _show(database_url, person.id, capsys) if row["action"] == "customer.edit"]
    assert [row["detail"]["new_value"] for row in edits] == [SECRET]
    (key,) = _keys(engine, person.id)

    assert main(["gdpr", "erase", str(person.id), "--yes", "--database", database_url]) == 0

    assert main(["audit", "verify", "--database", database_url]) == 0
    shown = _show(database_url, person.id, capsys)
    assert {row["detail"] for row in shown if row["action"] in ("customer.edit", "customer.view")} == {
        "[erased]"
    }
    assert main(["gdpr", "export", str(person.id), "--database", database_url]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert "audit_key" not in exported and SECRET not in json.dumps(exported)
    assert {row["detail"] for row in exported["auditlog"] if row["action"] == "customer.edit"} == {"[erased]"}
    assert _keys(engine, person.id) == []
    if engine.dialect.name == "sqlite":
        database = Path(engine.url.database or "")
        for path in (p for p in (database, Path(f"{database}-wal")) if p.exists()):
            content = path.read_bytes()
            assert SECRET.encode() not in content and key not in content, path.name


def test_a_merge_keeps_both_records_keys(engine: Engine) -> None:
    """Regression: a merge that left the other record's keys behind would make its history
    unreadable. You should see the survivor hold both keys, both records' edits read in clear,
    and an erasure of the survivor shred both."""
    keep, other = make_customer(engine, "Ada", "Lovelace"), make_customer(engine, "Ada", "Byron")
    assert keep.id is not None and other.id is not None
    _edit_email(engine, keep, "ada.keep@example.net")
    _edit_email(engine, other, "ada.other@example.net")

    merge_customers(engine, keep.id, other.id, actor=ADMIN)

    assert len(_keys(engine, keep.id)) == 2
    rows = opened_audit(engine, AuditRecord.action == "customer.edit")
    assert sorted(json.loads(row.detail)["new_value"] for row in rows) == [
        "ada.keep@example.net",
        "ada.other@example.net",
    ]
    from store.gdpr import erase_customer

    erase_customer(engine, keep.id, actor=ADMIN, data_dir=None)
    assert {row.detail for row in opened_audit(engine, AuditRecord.action == "customer.edit")} == {"[erased]"}
    assert audit.verify(engine)[1] is None


def test_a_changed_ciphertext_breaks_the_chain_and_does_not_open(engine: Engine) -> None:
    """Regression: sealed text is what the chain hashes. You should see a flipped ciphertext
    character named by `verify` and read as [unreadable], not as some other value."""
    person = make_customer(engine, "Nives", "Zappacosta")
    _edit_email(engine, person, "nives@example.net")
    with engine.connect() as connection:
        seq, detail = connection.execute(
            sa.select(AuditRecord.seq, AuditRecord.detail).where(AuditRecord.action == "customer.edit")
        ).one()
    flipped = detail[:-3] + ("A" if detail[-3] != "A" else "B") + detail[-2:]
    with _unguarded(engine), engine.begin() as connection:
        connection.execute(sa.update(AuditRecord).where(AuditRecord.seq == seq).values(detail=flipped))

    broken = audit.verify(engine)[1]
    assert broken is not None and broken.seq == seq and "changed" in broken.why
    assert [row.detail for row in opened_audit(engine, AuditRecord.seq == seq)] == ["[unreadable]"]


def test_rows_without_a_living_customer_stay_clear(engine: Engine) -> None:
    """A row with no customer (a search) or about an id no customer has gets no key: you should see
    it stored in clear and no key made."""
    audit.search(engine, ADMIN, customer_id=987_654)
    with engine.connect() as connection:
        detail = connection.scalar(sa.select(AuditRecord.detail).where(AuditRecord.customer_id == 987_654))
        assert detail == '{"customer": 987654}'
        assert connection.scalar(sa.select(sa.func.count()).select_from(AuditKey)) == 0


@POSTGRES_ONLY
def test_a_first_key_waits_for_an_erasure_without_a_deadlock(engine: Engine) -> None:
    """Regression: a customer's first audited act took the appenders' lock and then waited, on the
    new key's foreign key, for an erasure holding the customer row, which then waited for that
    lock: PostgreSQL killed one of them. You should see the view wait for the row, the erasure's
    row written, and then the view's, the chain intact."""
    person = make_customer(engine, "Ilaria", "Vescovini")
    assert person.id is not None and _keys(engine, person.id) == []
    seen: dict[str, object] = {}
    with write_session(engine) as session:
        session.execute(sa.select(Customer.id).where(Customer.id == person.id).with_for_update())
        holder_pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        viewer = threading.Thread(
            target=lambda: seen.update(
                profile=view_profile(Engines.single(engine), ADMIN, person.id or 0, today=date(2026, 12, 1))
            )
        )
        viewer.start()
        blocked: list[int] = []
        deadline = time.monotonic() + 20
        while not blocked and time.monotonic() < deadline:
            with engine.connect() as connection:
                blocked = list(connection.exec_driver_sql(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    f" AND wait_event_type = 'Lock' AND pid <> {holder_pid}"
                ).scalars())  # fmt: skip
            time.sleep(0.05)
        assert len(blocked) == 1, "the view never waited on the locked customer row"
        audit.record(session, ADMIN.username, "customer.erase", customer_id=person.id, detail={"test": 1})
    viewer.join(30)

    assert seen["profile"] is not None
    actions = [row.action for row in opened_audit(engine, AuditRecord.customer_id == person.id)]
    assert actions == ["customer.erase", "customer.view"] and audit.verify(engine)[1] is None
