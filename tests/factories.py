"""Builders for test data through the ORM, so every flush hook (search index, audit) runs."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from store import audit
from store.db import read_session, write_session
from store.models import (
    Address,
    AuditRecord,
    Customer,
    CustomerStatus,
    Email,
    Holding,
    Phone,
    Product,
    ProductCategory,
    Ticket,
    Warranty,
)

_serial = itertools.count(1)


def make_customer(
    engine: Engine,
    given_name: str = "Maria",
    family_name: str = "Rossi",
    *,
    phones: tuple[str, ...] = (),
    emails: tuple[str, ...] = (),
    city: str = "",
    status: CustomerStatus = CustomerStatus.ACTIVE,
    birth_date: date | None = None,
    **fields: object,
) -> Customer:
    """A committed customer with the given phones (E.164), e-mails and home city."""
    n = next(_serial)
    with write_session(engine) as session:
        customer = Customer(
            external_id=str(fields.pop("external_id", f"T{n:07d}")),
            given_name=given_name,
            family_name=family_name,
            display_name=f"{given_name} {family_name}".strip(),
            status=status,
            birth_date=birth_date,
            **fields,
        )
        session.add(customer)
        session.flush()
        assert customer.id is not None
        for index, number in enumerate(phones):
            session.add(Phone(customer_id=customer.id, e164=number, is_primary=index == 0))
        for index, address in enumerate(emails):
            session.add(Email(customer_id=customer.id, address=address.lower(), is_primary=index == 0))
        if city:
            session.add(Address(customer_id=customer.id, line1="Via Roma 1", city=city, country="IT"))
    return customer


def make_product(
    engine: Engine, code: str, category: ProductCategory, *, warranty_months: int = 0
) -> Product:
    """A committed catalogue product."""
    with write_session(engine) as session:
        product = Product(
            code=code,
            name=code.replace("_", " ").title(),
            category=category,
            standard_warranty_months=warranty_months,
        )
        session.add(product)
    return product


def make_holding(
    engine: Engine,
    customer: Customer,
    product: Product,
    *,
    reference: str = "",
    opened_on: date | None = None,
    warranty_ends_on: date | None = None,
    price_paid: Decimal | None = None,
) -> Holding:
    """A committed holding, with a standard warranty ending on `warranty_ends_on` if given."""
    with write_session(engine) as session:
        holding = Holding(
            customer_id=customer.id,
            product_id=product.id,
            reference=reference,
            opened_on=opened_on or date(2024, 1, 1),
            price_paid=price_paid,
        )
        session.add(holding)
        session.flush()
        if warranty_ends_on is not None:
            session.add(
                Warranty(holding_id=holding.id, starts_on=holding.opened_on, ends_on=warranty_ends_on)
            )
    return holding


def make_ticket(
    engine: Engine, customer: Customer, subject: str = "Invoice question", **fields: object
) -> Ticket:
    """A committed ticket with a unique number."""
    with write_session(engine) as session:
        ticket = Ticket(number=f"T-{next(_serial):06d}", customer_id=customer.id, subject=subject, **fields)
        session.add(ticket)
    return ticket


def opened_audit(engine: Engine, *where: object) -> list[AuditRecord]:
    """The audit rows matching `where`, oldest first, as a reader sees them (`audit.opened`)."""
    with read_session(engine) as session:
        query = select(AuditRecord).where(*where).order_by(col(AuditRecord.seq))  # type: ignore[arg-type]
        return audit.opened(session.connection(), session.exec(query))


def make_returned_mail(
    engine: Engine,
    customer: Customer,
    on: date | None,
    *,
    line1: str = "Via Roma 1",
    city: str = "Roma",
    postcode: str = "00100",
    kind: str = "home",
    reason: str = "moved",
) -> int:
    """A current address of `customer` whose mail came back on `on` (None: no date kept); its id."""
    with write_session(engine) as session:
        address = Address(customer_id=customer.id, kind=kind, line1=line1, city=city, postcode=postcode,
                          country="IT", undeliverable=True, undeliverable_on=on,
                          undeliverable_reason=reason)  # fmt: skip
        session.add(address)
        session.flush()
        assert address.id is not None
        return address.id
