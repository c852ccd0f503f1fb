"""A real `callpop outbox deliver` process killed with SIGKILL while its requests are in flight:
another dispatcher process sends them once the killed one's lease runs out. Both databases."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from console.acting import os_account
from console.cli import main
from store.db import write_session
from store.models import Role
from store.models.outbox import DeliveryStatus
from store.outbox import enqueue
from store.outbox.ledger import list_deliveries
from store.policy import Actor
from tests.servers import start_callpop, stop
from tests.webhook_receiver import holding_receiver

EVENTS = 5
LEASE_S = 6
"""CALLPOP_OUTBOX_LEASE_SECONDS of both dispatchers: one request long (twice the 3 s timeout),
so a claim takes every event at once."""
DEADLINE_S = 60.0
ADMIN = Actor(os_account(), Role.ADMIN)


def _wait_for(what: str, condition: object, log: Path) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what}: {log.read_text(errors='replace')}"
        time.sleep(0.05)


def test_a_dispatcher_killed_mid_delivery_loses_nothing(
    database_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a dispatcher killed with -9 while its requests hang loses those events, or
    nobody sends them again. You should see every event reach the receiver, each delivery
    delivered once its lease ran out, and a repeat only ever under the same event id and body."""
    assert main(["operators", "add", ADMIN.username, "--role", "admin", "--database", database_url]) == 0
    with write_session(engine) as session:
        ids = {enqueue(session, "customer.erased", {"customer_id": n}) for n in range(EVENTS)}
    with holding_receiver() as receiver:
        webhooks = tmp_path / "webhooks.toml"
        webhooks.write_text(
            f'[[endpoint]]\nname = "crm"\nurl = "{receiver.url}"\nevents = ["customer.erased"]\n'
            'secret = "a-secret-of-sixteen-plus"\ntimeout = 3\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("CALLPOP_WEBHOOKS_FILE", str(webhooks))
        monkeypatch.setenv("CALLPOP_OUTBOX_LEASE_SECONDS", str(LEASE_S))
        deliver = ["outbox", "deliver", "--database", database_url]

        first_log = tmp_path / "first.log"
        first = start_callpop(deliver, first_log)
        try:
            _wait_for("the first dispatcher never sent", lambda: len(receiver.requests) == EVENTS, first_log)
        finally:
            first.send_signal(signal.SIGKILL)
            assert first.wait(10) == -signal.SIGKILL
        held = {request.event_id for request in receiver.requests}
        assert held == ids  # all in flight, none answered, when it died
        assert {row.status for row in list_deliveries(engine, ADMIN)} == {DeliveryStatus.PENDING}
        receiver.release.set()

        second_log = tmp_path / "second.log"
        second = start_callpop(deliver, second_log)
        try:
            _wait_for(
                "the second dispatcher never delivered",
                lambda: {row.status for row in list_deliveries(engine, ADMIN)} == {DeliveryStatus.DELIVERED},
                second_log,
            )
        finally:
            stop(second)

    rows = list_deliveries(engine, ADMIN)
    assert {row.event_id for row in rows} == ids and all(row.attempts >= 2 for row in rows)
    for request in receiver.requests:  # a repeat is the same event: same id, same body
        assert json.loads(request.body)["id"] == request.event_id
    assert len({request.body for request in receiver.requests}) == EVENTS
    assert set(receiver.taken) == ids and len(receiver.requests) >= 2 * EVENTS
