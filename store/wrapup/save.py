"""Logging a call's outcome: one short transaction that is safe to run twice.

A wrap-up may be written by the console right away or replayed later from the seat's journal
(store.wrapup.journal), possibly after a connection died mid-commit. So the write is idempotent by
`call_id`: the Call row is locked (or created) first, and a call already wrapped is left alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session, col, select

from store.db import is_sqlite, read_session, write_session
from store.messages import N_
from store.models import Call, CallStatus, Campaign, CampaignContact, Channel, Customer, Interaction
from store.models.callbacks import Callback
from store.notify import publish
from store.offers.responses import record_responses
from store.outbox import enqueue
from store.sanitize import clean_line
from store.tickets import apply_ticket_change
from store.timeutil import utcnow
from store.wrapup.errors import WrapUpRejected
from store.wrapup.record import WrapUp

PG_ATTEMPTS = 4
_BACKOFF_S = (0.05, 0.2, 0.5)


def is_transient(error: BaseException) -> bool:
    """A database outage (locked, unreachable, connection killed, serialization conflict):
    the wrap-up is fine and must wait in the journal rather than be rejected."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError | InterfaceError)


def save_wrapup(engine: Engine, wrapup: WrapUp) -> bool:
    """Store `wrapup`; True if written now, False if this call was already wrapped (a replay).

    On PostgreSQL a dropped connection or serialization failure is retried a few times; on SQLite
    the busy timeout has already waited, so an error goes straight back (to the journal).
    """
    wrapup = wrapup.cleaned()
    attempts = 1 if is_sqlite(engine) else PG_ATTEMPTS
    for attempt in range(attempts + 1):
        try:
            with write_session(engine) as session:
                return _write(session, wrapup)
        except IntegrityError:
            if attempt >= 1:  # a raced insert is seen as "already wrapped" on the retry
                raise
        except (OperationalError, InterfaceError, DBAPIError) as error:
            if not is_transient(error) or attempt + 1 >= attempts:
                raise
            time.sleep(_BACKOFF_S[min(attempt, len(_BACKOFF_S) - 1)])
    raise AssertionError("unreachable")  # pragma: no cover


def _write(session: Session, wrapup: WrapUp) -> bool:
    now = utcnow()
    call = session.exec(select(Call).where(Call.call_id == wrapup.call_id).with_for_update()).first()
    if call is not None and call.wrapped_at is not None:
        return False
    if call is None:
        started = wrapup.started_at or now
        call = Call(
            call_id=wrapup.call_id,
            channel=Channel(wrapup.channel),
            direction=wrapup.direction,
            extension=wrapup.extension,
            rang_at=started,
            answered_at=started,
        )
        session.add(call)
    customer_id = wrapup.customer_id or call.customer_id
    call.customer_id = customer_id
    call.operator = wrapup.operator
    call.status = CallStatus.DONE
    call.reason, call.outcome = wrapup.reason, wrapup.outcome
    call.notes, call.campaign_code = wrapup.notes, wrapup.campaign_code
    call.ended_at = call.ended_at or now
    call.wrapped_at = now
    session.flush()
    ticket_id = None
    if wrapup.ticket is not None:
        if customer_id is None:
            raise WrapUpRejected(N_("a ticket needs a customer: look the customer up first"))
        ticket_id = apply_ticket_change(
            session, wrapup.ticket, customer_id=customer_id, now=now, operator=wrapup.operator
        )
    if wrapup.callback is not None:
        session.add(_callback(wrapup, customer_id, now))
    if customer_id is not None:
        session.add(_interaction(wrapup, customer_id, ticket_id, now))
        _mark_campaign_response(session, wrapup.campaign_code, customer_id, now.date())
        publish(session, "customer", str(customer_id))  # open profiles show the new timeline
    record_offer_responses(session, wrapup, customer_id)
    enqueue(session, "wrapup.saved", _announced(wrapup, customer_id, ticket_id, now))
    return True


def _announced(
    wrapup: WrapUp, customer_id: int | None, ticket_id: int | None, now: datetime
) -> dict[str, object]:
    """What the other systems hear of a wrap-up (store.outbox): the codes, not the notes."""
    return {
        "call_id": wrapup.call_id,
        "customer_id": customer_id,
        "operator": wrapup.operator,
        "channel": wrapup.channel,
        "direction": wrapup.direction,
        "reason": wrapup.reason,
        "outcome": wrapup.outcome,
        "campaign_code": wrapup.campaign_code,
        "ticket_id": ticket_id,
        "callback_due_at": wrapup.callback.due_at.isoformat() if wrapup.callback else None,
        "offers": [f"{answer.offer_code}={answer.response}" for answer in wrapup.offer_responses],
        "wrapped_at": now.isoformat(),
    }


def record_offer_responses(session: Session, wrapup: WrapUp, customer_id: int | None) -> None:
    """The offers presented in this call and their answers, written by store.offers in the
    wrap-up's own transaction: they land (or replay) exactly when the outcome does."""
    if not wrapup.offer_responses:
        return
    if customer_id is None:
        raise WrapUpRejected(N_("offer answers need a customer: look the customer up first"))
    record_responses(
        session,
        call_id=wrapup.call_id,
        customer_id=customer_id,
        operator=wrapup.operator,
        responses=wrapup.offer_responses,
    )


def _callback(wrapup: WrapUp, customer_id: int | None, now: datetime) -> Callback:
    request = wrapup.callback
    assert request is not None
    if request.due_at.tzinfo is None:
        raise WrapUpRejected(N_("callback time has no time zone"))
    return Callback(
        call_id=wrapup.call_id,
        customer_id=customer_id,
        assignee=request.assignee or wrapup.operator,
        due_at=request.due_at,
        phone=request.phone,
        note=request.note,
        created_by=wrapup.operator,
        created_at=now,
    )


def _interaction(wrapup: WrapUp, customer_id: int, ticket_id: int | None, now: datetime) -> Interaction:
    label = " / ".join(part for part in (wrapup.reason, wrapup.outcome) if part)
    summary = f"[{label}] {wrapup.notes}".strip() if label else wrapup.notes
    return Interaction(
        customer_id=customer_id,
        ticket_id=ticket_id,
        channel=Channel(wrapup.channel),
        direction=wrapup.direction,
        operator=wrapup.operator,
        occurred_at=now,
        summary=summary[:4000],
    )


def _mark_campaign_response(session: Session, code: str, customer_id: int, today: date) -> None:
    """A quoted coupon or campaign code counts as this customer's response to that mailing."""
    if not code:
        return
    contact = session.exec(
        select(CampaignContact)
        .join(Campaign, col(Campaign.id) == CampaignContact.campaign_id)
        .where(
            CampaignContact.customer_id == customer_id,
            CampaignContact.responded_on.is_(None),  # type: ignore[union-attr]
            sa.or_(col(Campaign.code) == code, col(CampaignContact.coupon_code) == code),
        )
    ).first()
    if contact is not None:
        contact.responded_on = today


@dataclass(frozen=True)
class CallFacts:
    """What the wrap-up screen shows about the call before anything is typed."""

    answered_at: datetime | None
    ended_at: datetime | None
    channel: str
    direction: str
    customer_id: int | None
    customer_name: str
    already_wrapped: bool


def load_call_facts(engine: Engine, call_id: str, customer_id: int | None) -> CallFacts:
    """The call's clocks and customer (a manual contact has no call row yet: empty facts)."""
    with read_session(engine) as session:
        call = session.exec(select(Call).where(Call.call_id == call_id)).first()
        customer_id = customer_id or (call.customer_id if call else None)
        customer = session.get(Customer, customer_id) if customer_id else None
    name = clean_line(customer.display_name) if customer else ""
    if call is None:
        return CallFacts(None, None, "voice", "manual", customer_id, name, False)
    return CallFacts(
        call.answered_at,
        call.ended_at,
        call.channel,
        call.direction,
        customer_id,
        name,
        call.wrapped_at is not None,
    )
