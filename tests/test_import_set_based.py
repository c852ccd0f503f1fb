"""The set-based insert of new customers (`store.imports.customer_insert`) on both databases: the
rows it writes are the ones each row's checked payload asks for, recomputed here from the file
through the same checks, and a later feed mixing new, changed, unchanged and merged-away ids
still counts and writes each the way the per-row upsert does."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.bulk import new_customer_row
from store.imports.customer_upsert import _wanted
from store.imports.customers import EXTRAS, HEADER, CustomerKind
from store.merge import merge_customers
from store.models import Address, AddressKind, AuditRecord, Customer, Email, Phone, PhoneKind
from store.models.base import table_of
from store.timeutil import utcnow
from tests.factories import opened_audit
from tests.test_import_customers import ADMIN, person, run, write_csv

TODAY = date(2026, 6, 1)
WIDE = (*HEADER, *EXTRAS)


def varied(n: int) -> dict[str, str]:
    """Row `n` of a feed that exercises every optional part: no phone, two phones, no e-mail, no
    address, one name only, hostile text, mapped extras present or empty."""
    row = person(n, phones=f"+39 347 {n:07d}" + (f"; 06 {n:08d}"[:14] if n % 3 == 0 else ""))
    extras = {name: "" for name in EXTRAS}
    if n % 2:
        extras |= {"status": "former", "segment": "gold", "preferred_language": "it", "vip": "yes"}
        extras |= {"consent_voice": "1", "consent_email": "true", "consent_sms": "no", "consent_post": "0"}
    if n % 5 == 1:
        row |= {"phones": "", "email": ""}
    if n % 7 == 2:
        row |= {"street": "", "city": "", "postal_code": "", "country": ""}
        row["phones"] = f"+39 347 {n:07d}"
    if n % 4 == 3:
        row |= {"given_name": "", "family_name": f"Solo\u202e<b>{n}</b>'\\"}
    if n % 6 == 4:
        row |= {"birth_date": "", "given_name": f'=HYPERLINK("x{n}")'}
    return row | extras


def expected(values: dict[str, str]) -> dict[str, Any]:
    """What callpop must hold for this row of a first import, from the row's own checked payload."""
    _, payload = CustomerKind().validate(dict(values), TODAY)
    customer = {k: v for k, v in new_customer_row(utcnow()).items() if k not in ("created_at", "updated_at")}
    customer |= {"external_id": payload["external_id"], "birth_date": None, **_wanted(payload)}
    where = (payload["street"], payload["city"], payload["postal_code"], payload["country"])
    return {
        "customer": customer,
        "phones": [(e164, n == 0, PhoneKind.MOBILE.value) for n, e164 in enumerate(payload["phones"])],
        "emails": [(payload["email"], True)] if payload["email"] else [],
        "addresses": [(AddressKind.HOME.value, *where, "", "", False, TODAY, None)] if any(where) else [],
    }


def stored(engine: Engine, external_id: str) -> dict[str, Any]:
    """The same shape read back from the database."""
    c, p, e, a = (table_of(m).c for m in (Customer, Phone, Email, Address))
    with engine.connect() as connection:
        row = connection.execute(sa.select(table_of(Customer)).where(c.external_id == external_id)).one()
        phones = connection.execute(
            sa.select(p.e164, p.is_primary, p.kind).where(p.customer_id == row.id).order_by(p.id)
        )
        emails = connection.execute(sa.select(e.address, e.is_primary).where(e.customer_id == row.id))
        columns = (a.kind, a.line1, a.city, a.postcode, a.country, a.line2, a.region, a.undeliverable)
        addresses = connection.execute(
            sa.select(*columns, a.valid_from, a.valid_to).where(a.customer_id == row.id).order_by(a.id)
        )
        wanted = expected({name: "" for name in WIDE} | {"external_id": external_id, "given_name": "x"})
        return {
            "customer": {name: getattr(row, name) for name in wanted["customer"]},
            "phones": [tuple(r) for r in phones],
            "emails": [tuple(r) for r in emails],
            "addresses": [tuple(r) for r in addresses],
        }


def test_a_first_load_writes_exactly_what_each_checked_row_asks_for(engine: Engine, tmp_path: Path) -> None:
    """You should see every new customer's columns, phones (the first one primary), e-mail and
    home address equal to what its row's payload says, the defaults where the file is silent,
    and no per-customer audit row (a new customer is audited by the import's own row)."""
    rows = [varied(n) for n in range(1, 43)]
    report, bad = run(engine, write_csv(tmp_path / "first.csv", rows, WIDE), today=TODAY)

    assert bad == {} and report.tally.new == len(rows)
    for row in rows:
        assert stored(engine, row["external_id"]) == expected(row), row["external_id"]
    logged = opened_audit(engine, AuditRecord.actor == "ada")
    assert [(r.action, r.customer_id) for r in logged] == [("customer.import", None)]


def test_a_mixed_feed_counts_and_writes_new_changed_unchanged_and_merged_ids(
    engine: Engine, tmp_path: Path
) -> None:
    """A second feed: some rows as before, some changed, some new, one under the external id of a
    customer merged away since. You should see the counts recomputed from those sets, the new ones
    written as their payload says, a changed one updated in place (version 2, audited by field),
    and the merged-away id updating its survivor instead of coming back as a new customer."""
    first = [varied(n) for n in range(1, 21)]
    run(engine, write_csv(tmp_path / "first.csv", first, WIDE), today=TODAY)
    with engine.connect() as connection:
        ids = {
            k: v
            for k, v in connection.execute(
                sa.select(table_of(Customer).c.external_id, table_of(Customer).c.id)
            )
        }
    merge_customers(engine, ids["E1"], ids["E2"], actor=ADMIN)

    changed = {f"E{n}" for n in (3, 4, 5)}
    feed = [
        row | {"family_name": "Verdi"} if row["external_id"] in changed else row
        for row in first
        if row["external_id"] != "E1"
    ]
    feed += [varied(n) for n in range(21, 31)]
    report, bad = run(engine, write_csv(tmp_path / "second.csv", feed, WIDE), today=TODAY)

    new = {row["external_id"] for row in feed} - {row["external_id"] for row in first}
    assert bad == {}
    assert (report.tally.new, report.tally.updated) == (len(new), len(changed | {"E2"}))
    assert report.tally.unchanged == len(feed) - len(new) - len(changed) - 1
    for row in feed:
        if row["external_id"] in new:
            assert stored(engine, row["external_id"]) == expected(row)
    with engine.connect() as connection:
        version = {
            k: v
            for k, v in connection.execute(
                sa.select(table_of(Customer).c.external_id, table_of(Customer).c.version)
            )
        }
        customers = connection.scalar(sa.select(sa.func.count()).select_from(Customer))
    assert customers == 19 + len(new)  # E2 did not come back
    assert {v for k, v in version.items() if k in changed} == {2}
    edits = {
        r.customer_id: json.loads(r.detail)["fields"]
        for r in opened_audit(engine, AuditRecord.actor == "ada")
        if r.action == "customer.import" and r.customer_id is not None
    }
    assert {ids[k] for k in changed} <= set(edits) and "customer.family_name" in edits[ids["E3"]]
    assert not {ids.get(k) for k in new} & set(edits)
