"""The outbox: events written with the change they announce, delivered at least once to a real
receiver on 127.0.0.1 that fails, times out and recovers, never resent after success, signed."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from store.db import read_session, write_session
from store.gdpr import erase_customer
from store.merge import merge_customers
from store.models import Role
from store.models.outbox import DeliveryStatus, OutboxDelivery, OutboxEvent
from store.outbox import OutboxError, enqueue
from store.outbox.config import Endpoint
from store.outbox.deliver import SENDERS, RetryPolicy, claim_size, deliver_once, lease_for
from store.outbox.ledger import BATCH, claim_due, fan_out, list_deliveries, prune, record_delivered, retry
from store.outbox.signing import verify
from store.policy import Actor
from store.prospects import create_prospect
from store.tickets import TicketChange
from store.wrapup import CallbackRequest, WrapUp, WrapUpRejected, save_wrapup
from tests.factories import make_customer
from tests.webhook_receiver import flaky_receiver

ADMIN = Actor("boss", Role.ADMIN)
SECRET = "s3cret-for-the-test-receiver"
CARD = "4111111111111111"
EVERY_TYPE = frozenset(
    {"wrapup.saved", "ticket.changed", "prospect.created", "customer.merged", "customer.erased"}
)


def endpoint(url: str, events: frozenset[str] = EVERY_TYPE, name: str = "crm") -> Endpoint:
    return Endpoint(name=name, url=url, events=events, secret=SECRET, secret_source="file", timeout=0.5)


class Clock:
    """The dispatcher's now, moved by the test instead of waiting for backoffs to pass."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def every_source(engine: Engine, data_dir: Path) -> None:
    """One of each event: a wrap-up with a ticket, a prospect, a merge, an erasure."""
    keep, other, gone = (make_customer(engine, name, "Rossi") for name in ("Maria", "Mara", "Gino"))
    assert keep.id and other.id and gone.id
    notes = f"Maria paid with {CARD}"
    save_wrapup(
        engine,
        WrapUp(call_id="c-1", operator="anna", customer_id=keep.id, reason="billing", outcome="resolved",
               notes=notes, ticket=TicketChange(subject=f"card {CARD} disputed")),
    )  # fmt: skip
    create_prospect(engine, phone_e164="+390612345678", given_name="Nuovo")
    merge_customers(engine, keep.id, other.id, actor=ADMIN)
    erase_customer(engine, gone.id, actor=ADMIN, data_dir=data_dir)


def events(engine: Engine) -> list[OutboxEvent]:
    with read_session(engine) as session:
        return list(session.exec(select(OutboxEvent).order_by(OutboxEvent.created_at)).all())


def test_every_source_enqueues_ids_only_in_its_own_transaction(engine: Engine, tmp_path: Path) -> None:
    """Regression: no system heard about a wrap-up, ticket, prospect, merge or erasure. You should
    see one event of each, carrying ids and codes: no notes, no ticket subject, no card number,
    and for the erasure nothing but the id."""
    every_source(engine, tmp_path)
    found = {event.type: json.loads(event.payload) for event in events(engine)}
    assert set(found) == EVERY_TYPE
    assert found["wrapup.saved"]["call_id"] == "c-1" and found["wrapup.saved"]["outcome"] == "resolved"
    assert found["ticket.changed"]["change"] == "opened"
    assert found["ticket.changed"]["ticket_id"] == found["wrapup.saved"]["ticket_id"]
    assert found["customer.merged"]["merged_customer_id"] != found["customer.merged"]["customer_id"]
    assert set(found["customer.erased"]) == {"customer_id", "erased_at"}
    stored = " ".join(event.payload for event in events(engine))
    assert CARD not in stored and "paid" not in stored and "disputed" not in stored
    assert "Rossi" not in stored and "Gino" not in stored and "+39" not in stored


def test_a_rolled_back_change_leaves_no_event(engine: Engine) -> None:
    """Regression: an event sent for a change that never committed. You should see no outbox row
    after a transaction that enqueued and then failed, nor after a wrap-up whose ticket was
    written (and announced) before its callback was refused."""
    with pytest.raises(RuntimeError), write_session(engine) as session:
        enqueue(session, "prospect.created", {"customer_id": 1})
        raise RuntimeError("the writer fails after enqueueing")
    customer = make_customer(engine)
    naive = CallbackRequest(due_at=datetime(2030, 1, 1, 9, 0), assignee="anna")
    with pytest.raises(WrapUpRejected):
        save_wrapup(
            engine,
            WrapUp(
                call_id="c-2", operator="anna", customer_id=customer.id, ticket=TicketChange(), callback=naive
            ),
        )
    assert events(engine) == []


def test_enqueue_refuses_unknown_types_nested_data_and_personal_erasures(sqlite_engine: Engine) -> None:
    """Regression guard: a payload the outbox should not carry. You should see card numbers
    masked, and unknown types, nested objects and an erasure with more than the id refused."""
    with write_session(sqlite_engine) as session:
        enqueue(session, "ticket.changed", {"ticket_id": 1, "category": f"card {CARD}"})
        for kind, payload in (
            ("ticket.exploded", {"ticket_id": 1}),
            ("ticket.changed", {"ticket": {"id": 1}}),
            ("customer.erased", {"customer_id": 1, "name": "Gino Rossi"}),
        ):
            with pytest.raises(OutboxError):
                enqueue(session, kind, payload)
    assert CARD not in events(sqlite_engine)[0].payload


def test_delivered_at_least_once_through_500_and_timeout_never_twice(engine: Engine, tmp_path: Path) -> None:
    """Regression: events were lost when a receiver failed, or sent again after it took them.
    You should see each event try 500, then a timeout, then 200; the receiver take each event id
    once; `outbox list` show the retries and errors; every request signed with the secret; and
    nothing sent again once delivered."""
    every_source(engine, tmp_path)
    ids = {event.id for event in events(engine)}
    clock, policy = Clock(), RetryPolicy(base_s=60, max_attempts=5, rng=random.Random(7))
    with flaky_receiver() as receiver:
        crm = [endpoint(receiver.url)]
        first = deliver_once(engine, crm, policy=policy, clock=clock)
        assert (first.fanned_out, first.failed, first.delivered) == (5, 5, 0)
        listed = list_deliveries(engine, ADMIN, status="failed")
        assert {row.event_id for row in listed} == ids
        assert all(row.attempts == 1 and row.last_error == "HTTP 500 Internal Server Error" for row in listed)
        assert not deliver_once(engine, crm, policy=policy, clock=clock).busy  # backing off
        clock.advance(minutes=2)
        assert deliver_once(engine, crm, policy=policy, clock=clock).failed == 5  # timed out
        assert all("Timeout" in row.last_error for row in list_deliveries(engine, ADMIN))
        clock.advance(minutes=4)
        assert deliver_once(engine, crm, policy=policy, clock=clock).delivered == 5
        clock.advance(days=2)
        assert not deliver_once(engine, crm, policy=policy, clock=clock).busy
        assert retry(engine, ADMIN, event_id=sorted(ids)[0]) == 0  # delivered: never again
        assert {event_id: receiver.attempts(event_id) for event_id in ids} == dict.fromkeys(ids, 3)
        assert receiver.taken == dict.fromkeys(ids, 1)
        for request in receiver.requests:
            assert verify(SECRET, request.signature, request.body, now=time.time())
            assert not verify("another-secret-entirely", request.signature, request.body, now=time.time())
            assert json.loads(request.body)["id"] == request.event_id
    rows = list_deliveries(engine, ADMIN)
    assert {(row.status, row.attempts) for row in rows} == {(DeliveryStatus.DELIVERED, 3)}


def test_backoff_ends_dead_and_retry_revives(engine: Engine) -> None:
    """Regression guard: a receiver that never recovers. You should see the delivery dead after
    the maximum attempts, listed as dead, and `retry --dead` make it due again from zero."""
    with write_session(engine) as session:
        event_id = enqueue(session, "prospect.created", {"customer_id": 9})
    clock, policy = Clock(), RetryPolicy(base_s=1, max_attempts=2)
    down = [endpoint("http://127.0.0.1:9/hooks")]  # the discard port: nothing listens
    assert deliver_once(engine, down, policy=policy, clock=clock).failed == 1
    clock.advance(hours=1)
    assert deliver_once(engine, down, policy=policy, clock=clock).dead == 1
    clock.advance(hours=1)
    assert not deliver_once(engine, down, policy=policy, clock=clock).busy
    (row,) = list_deliveries(engine, ADMIN, status="dead")
    assert row.event_id == event_id and row.attempts == 2 and "ConnectError" in row.last_error
    assert retry(engine, ADMIN, dead=True) == 1
    (row,) = list_deliveries(engine, ADMIN)
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)


def test_a_claim_whose_dispatcher_died_is_retried_after_its_lease(engine: Engine) -> None:
    """Regression: a dispatcher killed mid-send lost its deliveries (or two sent at once). You
    should see the claimed row untouched by others while its lease runs, then delivered by the
    next dispatcher, and the dead one's late answer ignored."""
    with write_session(engine) as session:
        event_id = enqueue(session, "customer.erased", {"customer_id": 5})
    clock = Clock()
    with flaky_receiver() as receiver:
        crm = [endpoint(receiver.url)]
        deliver_once(engine, crm, clock=clock)  # fan out; the receiver answers 500
        clock.advance(hours=2)
        (stale,) = claim_due(engine, crm, clock(), lease_for(crm))  # then the process dies
        assert claim_due(engine, crm, clock(), lease_for(crm)) == []
        assert not deliver_once(engine, crm, clock=clock).busy
        clock.advance(seconds=lease_for(crm).total_seconds() + 1)
        receiver.release.set()  # the second request is answered at once
        assert deliver_once(engine, crm, clock=clock).delivered == 1
        assert not record_delivered(engine, stale, clock())
        assert receiver.attempts(event_id) == 2
    with read_session(engine) as session:
        row = session.exec(select(OutboxDelivery)).one()
        assert (row.status, row.attempts, row.lease) == (DeliveryStatus.DELIVERED, 3, None)


def test_an_event_goes_only_to_endpoints_that_subscribe(engine: Engine) -> None:
    """Regression guard: every endpoint got every event. You should see a delivery row only for
    the endpoint subscribed to the event's type, and none for an event nobody wants."""
    with write_session(engine) as session:
        enqueue(session, "customer.erased", {"customer_id": 5})
        enqueue(session, "wrapup.saved", {"call_id": "c-9"})
    endpoints = [
        endpoint("http://127.0.0.1:9/a", frozenset({"customer.erased"}), name="shop"),
        endpoint("http://127.0.0.1:9/b", frozenset({"ticket.changed"}), name="mail"),
    ]
    assert deliver_once(engine, endpoints, policy=RetryPolicy(), clock=Clock()).fanned_out == 2
    with read_session(engine) as session:
        rows = session.execute(sa.select(OutboxDelivery.endpoint, OutboxEvent.type).join(OutboxEvent)).all()
    assert [tuple(row) for row in rows] == [("shop", "customer.erased")]


def test_two_dispatchers_never_claim_the_same_delivery(engine: Engine) -> None:
    """Regression guard: two `callpop serve` processes sending each event twice. You should see
    two dispatchers claiming at the same moment take disjoint rows that add up to all of them
    (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one BEGIN IMMEDIATE writer at a time)."""
    with write_session(engine) as session:
        for n in range(BATCH + BATCH // 2):
            enqueue(session, "customer.erased", {"customer_id": n})
    crm, clock = [endpoint("http://127.0.0.1:9/hooks")], Clock()
    fan_out(engine, crm, clock())
    fan_out(engine, crm, clock())
    start, claims = threading.Barrier(2), []

    def dispatcher() -> None:
        start.wait()
        claims.append({claim.delivery_id for claim in claim_due(engine, crm, clock(), lease_for(crm))})

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = claims
    assert not first & second
    assert len(first | second) == BATCH + BATCH // 2


def test_events_delivered_long_ago_are_pruned_the_undelivered_kept(engine: Engine) -> None:
    """Regression guard: an outbox that only grows. You should see an event delivered more than
    30 days ago deleted with its delivery, while a dead one of the same age and one no dispatcher
    has seen yet stay."""
    with write_session(engine) as session:
        delivered, dead = (enqueue(session, "customer.erased", {"customer_id": n}) for n in (1, 2))
    clock = Clock()
    fan_out(engine, [endpoint("http://127.0.0.1:9/hooks")], clock())
    with write_session(engine) as session:
        for row in session.exec(select(OutboxDelivery)).all():
            row.status = DeliveryStatus.DELIVERED if row.event_id == delivered else DeliveryStatus.DEAD
        unseen = enqueue(session, "customer.erased", {"customer_id": 3})
    assert prune(engine, clock()) == 0
    clock.advance(days=31)
    assert prune(engine, clock()) == 1
    assert {event.id for event in events(engine)} == {dead, unseen}
    with read_session(engine) as session:
        assert [row.event_id for row in session.exec(select(OutboxDelivery)).all()] == [dead]


def test_a_shorter_lease_claims_only_what_it_can_send(engine: Engine) -> None:
    """Regression guard: a short CALLPOP_OUTBOX_LEASE_SECONDS with a whole batch claimed lets a
    live dispatcher lose the claims it has not reached yet. You should see the default lease take
    a batch, and a lease of one request (twice the 0.5 s timeout) take one per sender."""
    with write_session(engine) as session:
        for n in range(BATCH):
            enqueue(session, "customer.erased", {"customer_id": n})
    crm, clock = [endpoint("http://127.0.0.1:9/hooks")], Clock()
    fan_out(engine, crm, clock())
    short = lease_for(crm, 1.0)
    assert claim_size(crm, lease_for(crm)) == BATCH and claim_size(crm, short) == SENDERS
    assert len(claim_due(engine, crm, clock(), short, limit=claim_size(crm, short))) == SENDERS
    assert claim_size(crm, lease_for(crm, 0.2)) == 1
