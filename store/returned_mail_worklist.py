"""The supervisors' worklist of customers whose details need updating: each current address that
returns mail (store.returned_mail marks them), oldest flag first, with how many mailings came back
and when the customer was last in touch.

An address leaves the list when it is confirmed or replaced in the contact form (a new address of
its kind ends it: `store.contacts`). The console's screen reads pages through `worklist_page` and
a changed customer's rows through `worklist_rows_of`, both for a role the policy table lets see
it; `callpop returned-mail --worklist` lists it all (`undeliverable_customers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from store.models import Address, CampaignContact, Customer
from store.models.base import table_of
from store.policy import Action, Actor, require
from store.replica import Engines
from store.sanitize import clean_line
from store.search.details import last_contact, last_contact_columns

PAGE = 50
_address, _customer, _contact = table_of(Address).c, table_of(Customer).c, table_of(CampaignContact).c
_UNDATED = date.min
"""An address flagged without a date sorts as the oldest, on both databases."""
_SINCE = sa.func.coalesce(_address.undeliverable_on, sa.literal(_UNDATED, sa.Date))


@dataclass(frozen=True)
class WorklistRow:
    """One address that returns mail, and its customer (text cleaned: shown as it is)."""

    customer_id: int
    name: str
    address: str
    since: date | None
    reason: str
    address_id: int
    returned_mailings: int
    """How many of the customer's mailings came back (campaign contacts with `returned_mail`)."""
    last_contact: datetime | None
    """The customer's latest call or interaction."""


@dataclass(frozen=True)
class WorklistCursor:
    """Where a page ended: the last row's flag date (undated: `date.min`), customer and address."""

    since: date
    customer_id: int
    address_id: int


@dataclass(frozen=True)
class WorklistPage:
    rows: list[WorklistRow]
    next: WorklistCursor | None
    """Where the next page starts; None on the last page."""


def _query() -> sa.Select:
    returned = (
        sa.select(sa.func.count())
        .where(_contact.customer_id == _customer.id, _contact.returned_mail.is_(True))
        .scalar_subquery()
    )
    return (
        sa.select(
            _customer.id,
            _customer.display_name,
            _address.id.label("address_id"),
            _address.line1,
            _address.postcode,
            _address.city,
            _address.undeliverable_on,
            _address.undeliverable_reason,
            returned.label("returned_mailings"),
            *last_contact_columns(_customer.id),
        )
        .join(table_of(Customer), _customer.id == _address.customer_id)
        .where(_address.undeliverable.is_(True), _address.valid_to.is_(None))
        .order_by(_SINCE, _customer.id, _address.id)
    )


def _row(row: sa.Row) -> WorklistRow:
    return WorklistRow(
        row.id,
        clean_line(row.display_name),
        clean_line(", ".join(p for p in (row.line1, row.postcode, row.city) if p)),
        row.undeliverable_on,
        clean_line(row.undeliverable_reason),
        row.address_id,
        row.returned_mailings,
        last_contact(row),
    )


def undeliverable_customers(connection: Connection, *, limit: int | None = None) -> list[WorklistRow]:
    """The whole worklist (or its first `limit` rows), oldest flag first: the CLI's."""
    query = _query() if limit is None else _query().limit(limit)
    return [_row(row) for row in connection.execute(query)]


def worklist_page(
    engines: Engines, actor: Actor, after: WorklistCursor | None = None, *, limit: int = PAGE
) -> WorklistPage:
    """A page of the worklist after `after`, read on the reader (it may lag a little). Raises
    Forbidden for a role the policy keeps from it."""
    require(actor, Action.RETURNED_MAIL_WORKLIST)
    query = _query()
    if after is not None:
        query = query.where(
            sa.tuple_(_SINCE, _customer.id, _address.id)
            > sa.tuple_(sa.literal(after.since, sa.Date), after.customer_id, after.address_id)
        )

    def read(engine: Engine) -> list[WorklistRow]:
        with engine.connect() as connection:
            return [_row(row) for row in connection.execute(query.limit(limit + 1))]

    rows = engines.read(read)
    if len(rows) <= limit:
        return WorklistPage(rows, None)
    last = rows[limit - 1]
    after = WorklistCursor(last.since or _UNDATED, last.customer_id, last.address_id)
    return WorklistPage(rows[:limit], after)


def worklist_rows_of(engine: Engine, actor: Actor, customer_id: int) -> list[WorklistRow]:
    """Customer `customer_id`'s rows on the worklist now (none once every address is fixed), read
    on `engine` as given: the primary, which has the change the feed announced."""
    require(actor, Action.RETURNED_MAIL_WORKLIST)
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(_query().where(_customer.id == customer_id))]
