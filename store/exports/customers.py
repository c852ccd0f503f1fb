"""`export_customers`: a customer list for another system, in the import's own header.

Only people who may be contacted leave: with `consent` those who gave that consent, otherwise
those who gave at least one; erased people never. A post export leaves out whoever has no current
home address that takes mail (returned mail marks it undeliverable, store/returned_mail.py).
Cells are cleaned of control characters and spreadsheet-safe (`cells.neutralise`). The file is
written beside its target and renamed into place (0600), so a failed export leaves no half file;
the export is audited before it appears.
"""

from __future__ import annotations

import csv
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from store import audit
from store.db import read_session, write_session
from store.exports.cells import neutralise
from store.imports.customers import HEADER
from store.models import Address, AddressKind, Customer, Email, Holding, HoldingStatus, Phone, Product
from store.models.base import table_of
from store.models.data import CustomerErasure
from store.policy import Action, Actor, require
from store.sanitize import clean_text
from store.segments.lookup_filters import in_segment

CONSENTS = ("email", "sms", "post", "voice")
FORMATS = ("csv", "jsonl")
_PAGE = 5_000


@dataclass(frozen=True)
class ExportFilter:
    """Who is exported; every field narrows the list."""

    segment: str | None = None
    consent: str | None = None
    city: str | None = None
    holds: str | None = None


def _selection(flt: ExportFilter) -> sa.Select:
    c = table_of(Customer).c
    query = sa.select(c.id, c.external_id, c.given_name, c.family_name, c.birth_date)
    if flt.consent:
        query = query.where(c[f"consent_{flt.consent}"].is_(True))
    if flt.consent == "post":
        query = query.where(
            sa.exists().where(
                col(Address.customer_id) == c.id,
                col(Address.kind) == AddressKind.HOME,
                col(Address.valid_to).is_(None),
                col(Address.undeliverable).is_(False),
            )
        )
    else:
        query = query.where(sa.or_(*(c[f"consent_{name}"].is_(True) for name in CONSENTS)))
    query = query.where(~sa.exists().where(col(CustomerErasure.customer_id) == c.id))
    if flt.segment:
        query = query.where(in_segment(flt.segment))
    if flt.city:
        query = query.where(
            sa.exists().where(
                col(Address.customer_id) == c.id,
                col(Address.kind) == AddressKind.HOME,
                col(Address.valid_to).is_(None),
                sa.func.lower(col(Address.city)) == flt.city.lower(),
            )
        )
    if flt.holds:
        query = query.where(
            sa.exists().where(
                col(Holding.customer_id) == c.id,
                col(Holding.status) != HoldingStatus.CLOSED,
                col(Holding.product_id) == col(Product.id),
                col(Product.code) == flt.holds,
            )
        )
    return query.order_by(c.id)


def _records(connection: sa.Connection, flt: ExportFilter) -> Iterator[dict[str, Any]]:
    """Each exported customer as the import header's columns, a page of customers at a time."""
    after = 0
    base = _selection(flt)
    while True:
        page = connection.execute(base.where(col(Customer.id) > after).limit(_PAGE)).all()
        if not page:
            return
        ids = [row.id for row in page]
        phones: dict[int, list[str]] = defaultdict(list)
        for row in connection.execute(
            sa.select(col(Phone.customer_id), col(Phone.e164))
            .where(col(Phone.customer_id).in_(ids))
            .order_by(col(Phone.customer_id), col(Phone.is_primary).desc(), col(Phone.id))
        ):
            phones[row.customer_id].append(row.e164)
        emails: dict[int, str] = {}
        for row in connection.execute(
            sa.select(col(Email.customer_id), col(Email.address))
            .where(col(Email.customer_id).in_(ids))
            .order_by(col(Email.customer_id), col(Email.is_primary), col(Email.id))
        ):
            emails[row.customer_id] = row.address  # the primary one sorts last, so it wins
        homes = {
            row.customer_id: row
            for row in connection.execute(
                sa.select(
                    col(Address.customer_id),
                    col(Address.line1),
                    col(Address.city),
                    col(Address.postcode),
                    col(Address.country),
                )
                .where(
                    col(Address.customer_id).in_(ids),
                    col(Address.kind) == AddressKind.HOME,
                    col(Address.valid_to).is_(None),
                )
                .order_by(col(Address.id))
            )
        }
        for row in page:
            home = homes.get(row.id)
            yield {
                "external_id": row.external_id,
                "given_name": row.given_name,
                "family_name": row.family_name,
                "birth_date": row.birth_date.isoformat() if row.birth_date else "",
                "email": emails.get(row.id, ""),
                "phones": ";".join(phones[row.id]),
                "street": home.line1 if home else "",
                "city": home.city if home else "",
                "postal_code": home.postcode if home else "",
                "country": home.country if home else "",
            }
        after = ids[-1]


def export_customers(engine: Engine, flt: ExportFilter, *, fmt: str, out: Path, actor: Actor) -> int:
    """Write the customers `flt` selects to `out` as CSV or JSON Lines; returns how many."""
    require(actor, Action.EXPORT)
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if flt.consent and flt.consent not in CONSENTS:
        raise ValueError(f"consent must be one of {', '.join(CONSENTS)}")
    partial = out.with_name(f".{out.name}.partial")
    count = 0
    handle = open(
        os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8", newline=""
    )
    try:
        with handle, read_session(engine) as session:
            connection = session.connection()
            if fmt == "csv":
                writer = csv.writer(handle)
                writer.writerow(HEADER)
                for record in _records(connection, flt):
                    writer.writerow([neutralise(str(record[name])) for name in HEADER])
                    count += 1
            else:
                for record in _records(connection, flt):
                    clean = {k: clean_text(str(v)) for k, v in record.items()}
                    handle.write(json.dumps(clean, ensure_ascii=False) + "\n")
                    count += 1
            handle.flush()
            os.fsync(handle.fileno())
        _audit(engine, actor, flt, fmt, out, count)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def _audit(engine: Engine, actor: Actor, flt: ExportFilter, fmt: str, out: Path, count: int) -> None:
    """One audit row per export, about a list rather than one person (no customer id), committed
    before the file appears: an export that cannot be audited leaves no file."""
    detail = {"filter": {k: v for k, v in asdict(flt).items() if v}, "format": fmt, "customers": count}
    with write_session(engine) as session:
        audit.record(session, actor.username, Action.EXPORT, target=str(out.resolve()), detail=detail)
