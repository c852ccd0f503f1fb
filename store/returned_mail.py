"""Returned mail in bulk: a file of customer ids or addresses marks addresses undeliverable, flags
the mailing that bounced, and feeds the supervisors' worklist of details to update
(store.returned_mail_worklist).

Each address is marked through `store.contacts.mark_undeliverable` (audited, the customer's
version bumped, a change event), so an operator editing that customer sees it and a post offer
or a post export is held back (`CustomerFacts.mail_returned`, `undeliverable_customers`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from store.models import Address, AddressKind, Campaign, CampaignContact, Channel, Customer
from store.models.base import table_of
from store.sanitize import clean_line

_address, _customer = table_of(Address).c, table_of(Customer).c
_campaign, _contact = table_of(Campaign).c, table_of(CampaignContact).c
_ID = re.compile(r"\d{1,12}")
_FOLD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Entry:
    """One line of a returned-mail file: a customer (`id` or external id) or an address."""

    line_number: int
    text: str


@dataclass(frozen=True)
class Target:
    entry: Entry
    customer_id: int
    address_id: int


@dataclass
class Matching:
    targets: list[Target] = field(default_factory=list)
    unmatched: list[tuple[Entry, str]] = field(default_factory=list)


def read_entries(lines: Iterable[str]) -> list[Entry]:
    """The entries of a file: one per line; blank lines and `#` comments are skipped."""
    entries = []
    for number, raw in enumerate(lines, 1):
        text = clean_line(raw)
        if text and not text.startswith("#"):
            entries.append(Entry(number, text))
    return entries


def _fold(text: str) -> str:
    return _FOLD.sub("", text.casefold())


def match_entries(connection: Connection, entries: list[Entry]) -> Matching:
    """Which current address each entry means. A customer (internal id or external id such as
    C00000042) means their current home address, else their only current one; an address
    (`line1, postcode[, city]` as on the envelope) means every current address that reads so."""
    result = Matching()
    addresses: list[Entry] = []
    for entry in entries:
        if "," not in entry.text and " " not in entry.text:
            found = _customer_address(connection, entry)
            if isinstance(found, str):
                result.unmatched.append((entry, found))
            else:
                result.targets.append(found)
        else:
            addresses.append(entry)
    if addresses:
        _match_addresses(connection, addresses, result)
    return result


def _customer_address(connection: Connection, entry: Entry) -> Target | str:
    where = (
        _customer.id == int(entry.text) if _ID.fullmatch(entry.text) else _customer.external_id == entry.text
    )
    customer_id = connection.scalar(sa.select(_customer.id).where(where))
    if customer_id is None:
        return f"no customer {entry.text}"
    current = connection.execute(
        sa.select(_address.id, _address.kind).where(
            _address.customer_id == customer_id, _address.valid_to.is_(None)
        )
    ).all()
    homes = [row.id for row in current if row.kind == AddressKind.HOME.value]
    if len(homes) == 1 or len(current) == 1:
        return Target(entry, customer_id, homes[0] if len(homes) == 1 else current[0].id)
    if not current:
        return f"customer {entry.text} has no current postal address"
    return f"customer {entry.text} has several current addresses: give the address instead"


def _match_addresses(connection: Connection, entries: list[Entry], result: Matching) -> None:
    """One pass over the current addresses. An entry matches an address when, folded (case,
    spaces and punctuation aside), it reads line1 then postcode, optionally then the city."""
    wanted: dict[str, list[Entry]] = {}
    for entry in entries:
        wanted.setdefault(_fold(entry.text), []).append(entry)
    found: dict[str, list[tuple[int, int]]] = {}
    rows = connection.execution_options(stream_results=True, yield_per=20_000).execute(
        sa.select(_address.id, _address.customer_id, _address.line1, _address.postcode, _address.city).where(
            _address.valid_to.is_(None), _address.postcode != ""
        )
    )
    for row in rows:
        start = _fold(row.line1) + _fold(row.postcode)
        for key in {start, start + _fold(row.city)}:
            if key in wanted:
                found.setdefault(key, []).append((row.customer_id, row.id))
    for key, matching in wanted.items():
        for entry in matching:
            if key not in found:
                result.unmatched.append(
                    (entry, "no current address reads like this (line1, postcode[, city])")
                )
            for customer_id, address_id in found.get(key, []):
                result.targets.append(Target(entry, customer_id, address_id))


def flag_mailing(
    session: Session, customer_id: int, on: date, campaign_code: str | None = None
) -> str | None:
    """Set `returned_mail` on the mailing that bounced: that campaign's contact, or the customer's
    latest post mailing sent by `on`. Its campaign code, or None when there is none."""
    query = (
        sa.select(_contact.id, _campaign.code)
        .join(table_of(Campaign), _campaign.id == _contact.campaign_id)
        .where(_contact.customer_id == customer_id, _contact.sent_on <= on)
    )
    if campaign_code:
        query = query.where(_campaign.code == campaign_code)
    else:
        query = query.where(_campaign.channel == Channel.POST.value)
    row = session.execute(query.order_by(_contact.sent_on.desc(), _contact.id.desc()).limit(1)).first()
    if row is None:
        return None
    session.execute(
        sa.update(table_of(CampaignContact)).where(_contact.id == row.id).values(returned_mail=True)
    )
    return str(row.code)


def apply_returned_mail(
    engine: Engine, targets: list[Target], *, on: date, reason: str, operator: str, campaign_code: str | None
) -> int:
    """Mark each target address (once, even if several lines name it); how many were marked."""
    from store.contacts import StaleVersion, mark_undeliverable  # here: contacts imports this module

    marked = 0
    for customer_id, address_id in dict.fromkeys((t.customer_id, t.address_id) for t in targets):
        for _attempt in range(3):  # an operator saving the same customer meanwhile: read again
            with engine.connect() as connection:
                version = connection.scalar(sa.select(_customer.version).where(_customer.id == customer_id))
            if version is None:
                break
            try:
                mark_undeliverable(
                    engine,
                    customer_id,
                    version,
                    address_id,
                    on=on,
                    reason=reason,
                    operator=operator,
                    campaign_code=campaign_code,
                )
            except StaleVersion:
                continue
            marked += 1
            break
    return marked
