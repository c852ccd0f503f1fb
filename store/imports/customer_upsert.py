"""The customer upsert of the people callpop knows (by external_id, or a merged customer's old one).

Runs inside the import's one apply transaction, after `customer_insert` wrote the new ones. A
changed customer gets its version bumped (so an operator's open contact form sees the change
instead of overwriting it) and one audit row naming the fields that changed (not their values:
an erasure must be able to leave no identifier behind, and audit rows cannot be changed;
`store.audit.record_many`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from store import audit
from store.bulk import IdAllocator, insert_rows
from store.db import one_of
from store.imports.types import ApplyContext, Staged, Tally
from store.models import Address, AddressKind, Customer, Email, Phone, PhoneKind
from store.models.base import table_of
from store.models.data import CustomerAlias
from store.policy import Action, Actor
from store.timeutil import utcnow

_NAME_FIELDS = ("given_name", "family_name", "display_name")
_OPTIONAL_FIELDS = (
    "birth_date",
    "status",
    "segment",
    "preferred_language",
    "consent_voice",
    "consent_email",
    "consent_sms",
    "consent_post",
    "vip",
)


def _wanted(payload: dict[str, Any]) -> dict[str, Any]:
    """The customer columns the row sets: names always, the rest only when the file has them."""
    given, family = payload["given_name"], payload["family_name"]
    wanted: dict[str, Any] = {
        "given_name": given,
        "family_name": family,
        "display_name": f"{given} {family}".strip(),
    }
    if payload["birth_date"]:
        wanted["birth_date"] = date.fromisoformat(payload["birth_date"])
    for name in _OPTIONAL_FIELDS[1:]:
        if name in payload:
            wanted[name] = payload[name]
    return wanted


def upsert_customers(context: ApplyContext, rows: list[Staged]) -> set[int]:
    """Update each row's known customer; count into the tally; say whose index must change."""
    connection, ids, tally, today = context.connection, context.ids, context.tally, context.today
    c = table_of(Customer).c
    keys = [r.key for r in rows]
    query = sa.select(table_of(Customer)).where(one_of(connection.dialect, c.external_id, keys))
    existing = {row.external_id: row for row in connection.execute(query)}
    existing.update(_merged_into(connection, [k for k in keys if k not in existing]))
    assert all(row.key in existing for row in rows)  # the new ones were inserted by customer_insert
    return _update_known(connection, ids, rows, existing, tally, context.actor, today)


def _merged_into(connection: sa.Connection, keys: list[str]) -> dict[str, Any]:
    """Rows whose external id belonged to a customer since merged: they update the survivor."""
    if not keys:
        return {}
    alias = table_of(CustomerAlias).c
    query = (
        sa.select(alias.old_external_id, *table_of(Customer).c)
        .join(table_of(Customer), table_of(Customer).c.id == alias.customer_id)
        .where(one_of(connection.dialect, alias.old_external_id, keys))
    )
    return {row.old_external_id: row for row in connection.execute(query)}


def _insert_phones(connection: sa.Connection, ids: IdAllocator, phones: list[tuple[int, str, bool]]) -> None:
    phone_ids = ids.take(table_of(Phone), len(phones))
    insert_rows(
        connection,
        table_of(Phone),
        [
            {"id": i, "customer_id": cid, "e164": e164, "kind": PhoneKind.MOBILE.value, "is_primary": primary}
            for i, (cid, e164, primary) in zip(phone_ids, phones, strict=True)
        ],
    )


def _insert_emails(connection: sa.Connection, ids: IdAllocator, emails: list[tuple[int, str]]) -> None:
    email_ids = ids.take(table_of(Email), len(emails))
    insert_rows(
        connection,
        table_of(Email),
        [
            {"id": i, "customer_id": cid, "address": address, "is_primary": True}
            for i, (cid, address) in zip(email_ids, emails, strict=True)
        ],
    )


def _insert_addresses(
    connection: sa.Connection, ids: IdAllocator, addresses: list[tuple[int, dict[str, Any]]], today: date
) -> None:
    now = utcnow()
    address_ids = ids.take(table_of(Address), len(addresses))
    insert_rows(
        connection,
        table_of(Address),
        [
            {
                "id": i,
                "customer_id": cid,
                "kind": AddressKind.HOME.value,
                "line1": p["street"],
                "line2": "",
                "city": p["city"],
                "postcode": p["postal_code"],
                "region": "",
                "country": p["country"],
                "undeliverable": False,
                "undeliverable_on": None,
                "undeliverable_reason": "",
                "valid_from": today,
                "valid_to": None,
                "created_at": now,
                "updated_at": None,
            }
            for i, (cid, p) in zip(address_ids, addresses, strict=True)
        ],
    )


def _children(connection: sa.Connection, model: Any, customer_ids: list[int]) -> dict[int, list[Any]]:
    table = table_of(model)
    found: dict[int, list[Any]] = defaultdict(list)
    for row in connection.execute(
        sa.select(table)
        .where(one_of(connection.dialect, table.c.customer_id, customer_ids))
        .order_by(table.c.id)
    ):
        found[row.customer_id].append(row)
    return found


def _update_known(
    connection: sa.Connection,
    ids: IdAllocator,
    rows: list[Staged],
    existing: dict[str, Any],
    tally: Tally,
    actor: Actor,
    today: date,
) -> set[int]:
    """Compare each known customer with its row; write and audit only what differs."""
    customer_ids = [existing[row.key].id for row in rows]
    phones = _children(connection, Phone, customer_ids)
    emails = _children(connection, Email, customer_ids)
    homes = _children(connection, Address, customer_ids)
    changed: dict[int, set[str]] = defaultdict(set)
    new_phones: list[tuple[int, str, bool]] = []
    new_emails: list[tuple[int, str]] = []
    new_addresses: list[tuple[int, dict[str, Any]]] = []
    updates: list[dict[str, Any]] = []
    reindex: set[int] = set()
    now = utcnow()

    def log(cid: int, entity: str, field: str, old: Any, new: Any) -> None:
        changed[cid].add(f"{entity}.{field}")

    for row in rows:
        current, p = existing[row.key], row.payload
        cid = current.id
        changes = {k: v for k, v in _wanted(p).items() if getattr(current, k) != v}
        for name, value in changes.items():
            log(cid, "customer", name, getattr(current, name), value)
        if any(name in changes for name in _NAME_FIELDS):
            reindex.add(cid)
        touched = _merge_phones(connection, cid, p["phones"], phones[cid], new_phones, log)
        touched |= _merge_email(connection, cid, p["email"], emails[cid], new_emails, log)
        touched |= _merge_address(connection, cid, p, homes[cid], new_addresses, log, today)
        if any(phone not in {r.e164 for r in phones[cid]} for phone in p["phones"]):
            reindex.add(cid)
        if changes or touched:
            updates.append({"b_id": cid, **changes})
            tally.updated += 1
        else:
            tally.unchanged += 1
    for values in updates:
        c = table_of(Customer).c
        fields = {k: v for k, v in values.items() if k != "b_id"}
        connection.execute(
            sa.update(table_of(Customer))
            .where(c.id == values["b_id"])
            .values(**fields, version=c.version + 1, updated_at=now)
        )
    _insert_phones(connection, ids, new_phones)
    _insert_emails(connection, ids, new_emails)
    _insert_addresses(connection, ids, new_addresses, today)
    audit.record_many(
        connection,
        actor.username,
        Action.IMPORT,
        ((cid, {"fields": sorted(names)}) for cid, names in sorted(changed.items())),
    )
    return reindex


def _merge_phones(connection, cid, wanted, stored, new_phones, log) -> bool:
    """Add the file's numbers not yet stored; make its first number the primary one."""
    if not wanted:
        return False
    known = {row.e164: row for row in stored}
    missing = [e164 for e164 in wanted if e164 not in known]
    primary = next((row.e164 for row in stored if row.is_primary), None)
    for e164 in missing:
        new_phones.append((cid, e164, False))
        log(cid, "phone", "e164", "", e164)
    if primary != wanted[0]:
        table = table_of(Phone)
        connection.execute(sa.update(table).where(table.c.customer_id == cid).values(is_primary=False))
        if wanted[0] in known:
            connection.execute(
                sa.update(table).where(table.c.id == known[wanted[0]].id).values(is_primary=True)
            )
        else:
            new_phones[len(new_phones) - len(missing)] = (cid, wanted[0], True)
        log(cid, "phone", "is_primary", primary or "", wanted[0])
    return bool(missing) or primary != wanted[0]


def _merge_email(connection, cid, wanted, stored, new_emails, log) -> bool:
    """Add the file's address if new, and make it the primary one."""
    if not wanted:
        return False
    primary = next((row.address for row in stored if row.is_primary), None)
    if primary == wanted:
        return False
    table = table_of(Email)
    connection.execute(sa.update(table).where(table.c.customer_id == cid).values(is_primary=False))
    match = next((row for row in stored if row.address == wanted), None)
    if match is None:
        new_emails.append((cid, wanted))
    else:
        connection.execute(sa.update(table).where(table.c.id == match.id).values(is_primary=True))
    log(cid, "email", "address", primary or "", wanted)
    return True


def _merge_address(connection, cid, p, stored, new_addresses, log, today) -> bool:
    """A different address becomes the current home one; the old one ends today (kept as history)."""
    wanted = (p["street"], p["city"], p["postal_code"], p["country"])
    if not any(wanted):
        return False
    homes = [row for row in stored if row.kind == AddressKind.HOME.value and row.valid_to is None]
    if any((row.line1, row.city, row.postcode, row.country) == wanted for row in homes):
        return False
    table = table_of(Address)
    for row in homes:
        connection.execute(
            sa.update(table).where(table.c.id == row.id).values(valid_to=today, updated_at=utcnow())
        )
    old = ", ".join(filter(None, (homes[-1].line1, homes[-1].city))) if homes else ""
    log(cid, "address", "home", old, ", ".join(filter(None, wanted[:2])))
    new_addresses.append((cid, p))
    return True
