"""Logging what the customer answered to each offer, and learning from it in the same transaction.

Called by the wrap-up inside its own write transaction, so the presentation log and the learned
counters commit (or roll back) together with the call outcome. Idempotent per (call_id, offer):
replaying a wrap-up from the offline journal changes nothing; a changed answer moves the counters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from store.db import upsert
from store.languages import N_
from store.models import Customer
from store.models.base import table_of
from store.models.offers import Offer, OfferPresentation, OfferStat
from store.offers.suppression import HEARD, RESPONSES
from store.sanitize import clean_line
from store.timeutil import utcnow

RESPONSE_LABELS = {
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "maybe_later": N_("maybe later"),
    "not_presented": N_("not offered"),
}
"""How each response (`RESPONSES`) reads on screen (marked N_, the screens translate it); the codes
are what is stored."""


@dataclass(frozen=True)
class OfferResponse:
    """The customer's answer to one offer during a call."""

    offer_code: str
    response: str
    """"accepted", "declined", "maybe_later" or "not_presented"."""
    reason: str = ""


def record_responses(
    session: Session, *, call_id: str, customer_id: int, operator: str, responses: Sequence[OfferResponse]
) -> None:
    """Log each response of `call_id` and update the offer x segment counters (see module doc)."""
    latest = {r.offer_code: r for r in responses}  # the operator's last answer per offer wins
    for response in latest.values():
        if response.response not in RESPONSES:
            raise ValueError(f"unknown offer response {response.response!r}; expected one of {RESPONSES}")
    if not latest:
        return
    segment = session.exec(select(Customer.segment).where(Customer.id == customer_id)).one_or_none()
    if segment is None:
        raise ValueError(f"no customer with id {customer_id}")
    known = set(session.exec(select(Offer.code).where(Offer.code.in_(latest))).all())  # type: ignore[attr-defined]
    if unknown := sorted(set(latest) - known):
        raise ValueError(f"unknown offer code(s): {', '.join(unknown)}")
    for response in latest.values():
        _record_one(session, call_id, customer_id, segment, clean_line(operator)[:64], response)


def _record_one(
    session: Session, call_id: str, customer_id: int, segment: str, operator: str, response: OfferResponse
) -> None:
    table = table_of(OfferPresentation)
    reason = clean_line(response.reason)[:200]
    inserted = session.execute(
        upsert(session.get_bind().dialect, table)
        .values(
            call_id=call_id,
            customer_id=customer_id,
            offer_code=response.offer_code,
            segment=segment,
            operator=operator,
            response=response.response,
            reason=reason,
            presented_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["call_id", "offer_code"])
        .returning(table.c.id)  # a row back means it is new (rowcount is -1 here on psycopg)
    )
    if inserted.first() is not None:
        _count(session, response.offer_code, segment, response.response, +1)
        return
    before = session.execute(
        sa.select(table.c.response, table.c.segment).where(
            table.c.call_id == call_id, table.c.offer_code == response.offer_code
        )
    ).one()
    if before.response == response.response:
        return
    changed = session.execute(
        sa.update(table)
        .where(
            table.c.call_id == call_id,
            table.c.offer_code == response.offer_code,
            table.c.response == before.response,
        )
        .values(response=response.response, reason=reason, operator=operator)
    )
    if getattr(changed, "rowcount", 0) == 1:
        _count(session, response.offer_code, before.segment, before.response, -1)
        _count(session, response.offer_code, before.segment, response.response, +1)


def _count(session: Session, offer_code: str, segment: str, response: str, step: int) -> None:
    """Atomically add `step` to the counters (an upsert, so concurrent wrap-ups never lose one)."""
    if response not in HEARD:
        return
    shown, accepted = step, step if response == "accepted" else 0
    table = table_of(OfferStat)
    session.execute(
        upsert(session.get_bind().dialect, table)
        .values(offer_code=offer_code, segment=segment, shown=max(shown, 0), accepted=max(accepted, 0))
        .on_conflict_do_update(
            index_elements=["offer_code", "segment"],
            set_={"shown": table.c.shown + shown, "accepted": table.c.accepted + accepted},
        )
    )
