"""Customer data as a signed-in actor may have it: each entry point checks the policy and writes
its audit row before handing anything over. Screens and CLI verbs read customers through here.

The audit row of a read is committed before the data is returned, so nothing is seen unlogged;
if the audit write fails, the caller gets the error, not the data. Audit rows are written on the
primary; the data itself may come from the read replica (store.replica), except a profile's
reload, which follows a save and must show it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from store import audit
from store.db import write_session
from store.models import ProductCategory, Role
from store.policy import Action, Actor, allowed, require
from store.replica import Engines
from store.sanitize import clean_line
from store.search import SearchResult, find_customers

if TYPE_CHECKING:
    from store.profile import Page, Profile


def _log(engines: Engines, actor: Actor, action: str, **fields: object) -> None:
    with write_session(engines.primary) as session:
        audit.record(session, actor.username, action, **fields)  # type: ignore[arg-type]


def search(engines: Engines, actor: Actor, query: str, *, region: str, limit: int = 20) -> SearchResult:
    """`find_customers` for `actor` (on the reader); the query (not the results) is audited."""
    require(actor, Action.SEARCH)
    _log(engines, actor, "search", detail={"query": clean_line(query)[:200]})
    return engines.read(lambda engine: find_customers(engine, query, region=region, limit=limit))


def view_profile(
    engines: Engines,
    actor: Actor,
    customer_id: int,
    *,
    today: date,
    page_size: int | None = None,
    first: bool = True,
) -> Profile | None:
    """The customer 360 with only the fields `actor`'s role may see. The first load of a profile
    is audited as a view and read from the reader; its live refreshes (`first=False`) are the
    same view, read from the primary: they follow a save (this console's or another's) that the
    standby may not have replayed yet. A customer the standby does not have yet (a prospect this
    console just made) is read from the primary too. `page_size` defaults to the profile's own."""
    from store.profile import PAGE_SIZE, load_profile  # loaded by the first profile, not by a search

    require(actor, Action.VIEW_CUSTOMER)
    size = page_size or PAGE_SIZE
    if first:
        _log(engines, actor, "customer.view", customer_id=customer_id)

    def load(engine: Engine) -> Profile | None:
        return load_profile(engine, customer_id, today=today, page_size=size, role=actor.role)

    profile = engines.read(load) if first else None
    if profile is None:  # a reload after a save, or a customer too new for the standby (a prospect)
        profile = load(engines.primary)
    return None if profile is None else replace(profile, holdings=_redact(profile.holdings, actor.role))


def more_rows(
    engines: Engines, actor: Actor, section: str, customer_id: int, *, today: date, offset: int
) -> Page:
    """The next slice of a profile section (on the reader), redacted like the first (`view_profile`)."""
    from store.profile import load_page

    require(actor, Action.VIEW_CUSTOMER)
    page = engines.read(lambda engine: load_page(engine, section, customer_id, today=today, offset=offset))
    return _redact(page, actor.role) if section == "holdings" else page


def _redact(page: Page, role: Role) -> Page:
    """Holdings as `role` may see them: balances and the card's first six digits by policy."""
    balances, first_six = allowed(role, Action.SEE_BALANCES), allowed(role, Action.SEE_CARD_DIGITS)
    if balances and first_six:
        return page
    rows = []
    for row in page.rows:
        if not balances:
            row = replace(row, balance=None, next_payment_amount=None)
        if not first_six and row.category == ProductCategory.CREDIT_CARD.value:
            row = replace(row, reference="*" * 6 + row.reference[-4:])
        rows.append(row)
    return replace(page, rows=tuple(rows))
