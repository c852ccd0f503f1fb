"""The outbox's bookkeeping: fanning events out, claiming due deliveries, recording outcomes.

Several dispatchers may run at once (each `callpop serve`, a `callpop outbox deliver`). A claim
takes due rows and pushes their `next_attempt_at` one lease ahead, under a fresh token, in one
short transaction: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two dispatchers never take
the same row and neither waits for the other; on SQLite the transaction starts with BEGIN
IMMEDIATE, so claims are made one writer at a time. The request is sent after that commit; its
outcome is recorded only under the same token, so a dispatcher that stalled past its lease
cannot overwrite the outcome of the one that took over. A dispatcher killed mid-send leaves its
rows claimed: they are due again when the lease runs out (at least once, never lost).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import audit
from store.db import read_session, write_session
from store.models.outbox import DeliveryStatus, OutboxDelivery, OutboxEvent
from store.outbox.config import Endpoint
from store.policy import Action, Actor, require
from store.sanitize import clean_line
from store.timeutil import utcnow

BATCH = 32
KEEP_DELIVERED = timedelta(days=30)
"""How long a delivered event stays listed; one not delivered everywhere stays until it is."""
RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


@dataclass(frozen=True)
class Claimed:
    """A delivery this dispatcher holds until `lease_until`, with what to send."""

    delivery_id: int
    lease: str
    endpoint: str
    attempt: int
    event_id: str
    event_type: str
    body: bytes


@dataclass(frozen=True)
class DeliveryRow:
    """One delivery as `callpop outbox list` shows it."""

    event_id: str
    type: str
    endpoint: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str


def event_body(event: OutboxEvent) -> bytes:
    """The request body: the same bytes on every attempt (what the signature covers)."""
    envelope = {
        "id": event.id,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": json.loads(event.payload),
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def fan_out(engine: Engine, endpoints: Sequence[Endpoint], now: datetime) -> int:
    """Make the delivery rows of events not fanned out yet (one per subscribed endpoint); returns
    how many events were fanned out. An event no endpoint wants is simply marked done."""
    with write_session(engine) as session:
        events = session.exec(
            select(OutboxEvent)
            .where(col(OutboxEvent.fanned_out_at).is_(None))
            .order_by(col(OutboxEvent.created_at))
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for event in events:
            for endpoint in endpoints:
                if event.type in endpoint.events:
                    session.add(
                        OutboxDelivery(event_id=event.id, endpoint=endpoint.name, next_attempt_at=now)
                    )
            event.fanned_out_at = now
        return len(events)


def claim_due(
    engine: Engine, endpoints: Sequence[Endpoint], now: datetime, lease: timedelta, *, limit: int = BATCH
) -> list[Claimed]:
    """Claim up to `limit` due deliveries to the configured `endpoints` (others wait, listed)."""
    names = [endpoint.name for endpoint in endpoints]
    token = secrets.token_hex(16)
    with write_session(engine) as session:
        rows = session.exec(
            select(OutboxDelivery, OutboxEvent)
            .join(OutboxEvent, col(OutboxEvent.id) == col(OutboxDelivery.event_id))
            .where(
                col(OutboxDelivery.status).in_(RETRYABLE),
                col(OutboxDelivery.next_attempt_at) <= now,
                col(OutboxDelivery.endpoint).in_(names),
            )
            .order_by(col(OutboxDelivery.next_attempt_at), col(OutboxDelivery.id))
            .limit(limit)
            .with_for_update(skip_locked=True, of=OutboxDelivery)
        ).all()
        claimed = []
        for delivery, event in rows:
            delivery.attempts += 1
            delivery.lease, delivery.next_attempt_at = token, now + lease
            assert delivery.id is not None
            claimed.append(
                Claimed(
                    delivery.id,
                    token,
                    delivery.endpoint,
                    delivery.attempts,
                    event.id,
                    event.type,
                    event_body(event),
                )
            )
        return claimed


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: delivered (`error` None), or failed and due again at
    `retry_at`, or dead (`retry_at` None)."""

    claim: Claimed
    at: datetime
    error: str | None = None
    retry_at: datetime | None = None

    @property
    def status(self) -> DeliveryStatus:
        if self.error is None:
            return DeliveryStatus.DELIVERED
        return DeliveryStatus.DEAD if self.retry_at is None else DeliveryStatus.FAILED


def record_outcomes(engine: Engine, outcomes: Sequence[Outcome]) -> list[bool]:
    """Keep `outcomes` in one transaction (one commit for the attempts that ended together);
    per outcome, False if its claim was lost meanwhile (the lease ran out and another
    dispatcher took the row: its outcome counts, not this one's)."""
    with write_session(engine) as session:
        return [_finish(session, outcome) for outcome in outcomes]


def record_delivered(engine: Engine, claim: Claimed, now: datetime) -> bool:
    """The receiver said 2xx (see `record_outcomes`)."""
    return record_outcomes(engine, [Outcome(claim, now)])[0]


def _finish(session: Session, outcome: Outcome) -> bool:
    values: dict[str, object] = {"status": outcome.status, "lease": None}
    if outcome.error is None:
        values.update(delivered_at=outcome.at, last_error="")
    else:
        values["last_error"] = clean_line(outcome.error)[:300]
    if outcome.retry_at is not None:
        values["next_attempt_at"] = outcome.retry_at
    claim = outcome.claim
    result = session.execute(
        sa.update(OutboxDelivery)
        .where(col(OutboxDelivery.id) == claim.delivery_id, col(OutboxDelivery.lease) == claim.lease)
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_deliveries(
    engine: Engine, actor: Actor, *, status: str | None = None, limit: int = 200
) -> list[DeliveryRow]:
    """Deliveries newest first (events not fanned out yet show as pending to "(not yet)")."""
    require(actor, Action.MANAGE_OUTBOX)
    query = (
        sa.select(OutboxEvent, OutboxDelivery)
        .join(OutboxDelivery, col(OutboxDelivery.event_id) == col(OutboxEvent.id), isouter=True)
        .order_by(col(OutboxEvent.created_at).desc(), col(OutboxDelivery.id))
        .limit(limit)
    )
    if status is not None:
        waiting = col(OutboxEvent.fanned_out_at).is_(None) if status == DeliveryStatus.PENDING else sa.false()
        query = query.where(sa.or_(col(OutboxDelivery.status) == status, waiting))
    with read_session(engine) as session:
        return [_row(event, delivery) for event, delivery in session.execute(query).all()
                if delivery is not None or event.fanned_out_at is None]  # fmt: skip


def _row(event: OutboxEvent, delivery: OutboxDelivery | None) -> DeliveryRow:
    if delivery is None:
        return DeliveryRow(event.id, event.type, "(not yet)", DeliveryStatus.PENDING, 0, event.created_at,
                           None, None, "")  # fmt: skip
    due = delivery.next_attempt_at if delivery.status in RETRYABLE else None
    return DeliveryRow(event.id, event.type, delivery.endpoint, delivery.status, delivery.attempts,
                       event.created_at, due, delivery.delivered_at, delivery.last_error)  # fmt: skip


def retry(engine: Engine, actor: Actor, *, event_id: str | None = None, dead: bool = False) -> int:
    """Make an event's undelivered deliveries (or, with `dead`, every dead one) due now, with
    their attempts counted afresh; returns how many. A delivered row is never sent again, nor is
    one a dispatcher is sending right now (its outcome decides). Audited."""
    require(actor, Action.MANAGE_OUTBOX)
    if (event_id is None) == (not dead):
        raise ValueError("retry one event id, or every dead delivery")
    statuses: Collection[str] = (DeliveryStatus.DEAD,) if dead else (*RETRYABLE, DeliveryStatus.DEAD)
    now = utcnow()
    in_flight = sa.and_(col(OutboxDelivery.lease).is_not(None), col(OutboxDelivery.next_attempt_at) > now)
    where = [col(OutboxDelivery.status).in_(statuses), sa.not_(in_flight)]
    if event_id is not None:
        where.append(col(OutboxDelivery.event_id) == event_id)
    with write_session(engine) as session:
        result = session.execute(
            sa.update(OutboxDelivery)
            .where(*where)
            .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, lease=None)
        )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        target = f"event {event_id}" if event_id else "dead deliveries"
        audit.record(session, actor.username, Action.MANAGE_OUTBOX, target=target, detail={"retried": count})
        return count


def prune(engine: Engine, now: datetime, older_than: timedelta = KEEP_DELIVERED) -> int:
    """Delete the events older than `older_than` that every endpoint has (or that none wanted),
    with their deliveries; returns how many. A failed or dead delivery keeps its event."""
    waiting = sa.exists().where(
        col(OutboxDelivery.event_id) == col(OutboxEvent.id),
        col(OutboxDelivery.status) != DeliveryStatus.DELIVERED,
    )
    old = sa.and_(col(OutboxEvent.fanned_out_at).is_not(None), col(OutboxEvent.created_at) < now - older_than)
    with write_session(engine) as session:
        result = session.execute(sa.delete(OutboxEvent).where(old, ~waiting))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
