"""`callpop outbox list|retry|deliver`: the webhook events going out to the other systems (admins).

`list [--status S] [--json]` shows the configured endpoints (never their secrets) and the
deliveries, newest first, with their attempts and last error; `retry EVENT_ID | --dead` makes
undelivered deliveries due now; `deliver [--once]` runs the dispatcher in the foreground (`callpop
serve` runs one in the background). The endpoints come from the webhooks file
(CALLPOP_WEBHOOKS_FILE, or `webhooks_file` in the config file).
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from console.config import Settings
    from store.outbox.config import Endpoint
    from store.outbox.deliver import RetryPolicy
    from store.policy import Actor

STATUSES = ("pending", "failed", "delivered", "dead")
"""`store.models.outbox.DeliveryStatus`, here so `--help` loads no store (a test holds them equal)."""
_EVENT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "outbox", help="webhook events to other systems: list, retry, deliver (admin)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("list", parents=parents, help="the endpoints and the deliveries, newest first")
    show.add_argument("--status", choices=STATUSES, help="only deliveries in this state")
    show.add_argument("--json", action="store_true", help="print one JSON document")
    show.set_defaults(handler=run_list)
    retry = actions.add_parser("retry", parents=parents, help="send undelivered deliveries again now")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("event_id", nargs="?", metavar="EVENT_ID", help="one event's deliveries")
    which.add_argument("--dead", action="store_true", help="every dead delivery")
    retry.set_defaults(handler=run_retry)
    deliver = actions.add_parser("deliver", parents=parents, help="run the dispatcher (until Ctrl+C)")
    deliver.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    deliver.set_defaults(handler=run_deliver)


def configured_endpoints(settings: Settings, *, required: bool) -> tuple[Endpoint, ...]:
    """The webhooks file's endpoints; none without a file, unless `required` (a UserError then)."""
    from store.outbox.config import WebhookConfigError, load_endpoints

    if settings.webhooks_file is None:
        if required:
            raise UserError(
                "no webhooks file: set CALLPOP_WEBHOOKS_FILE (or webhooks_file in the config file)"
            )
        return ()
    try:
        return load_endpoints(settings.webhooks_file)
    except WebhookConfigError as error:
        raise UserError(str(error)) from None


@contextmanager
def dispatcher_in_background(
    engine: Engine,
    endpoints: tuple[Endpoint, ...],
    *,
    policy: RetryPolicy | None = None,
    lease_s: float | None = None,
) -> Iterator[threading.Event]:
    """The dispatcher on a daemon thread while the block runs (`callpop serve`); the event it
    yields is set once the dispatcher was told to stop and has finished its request in flight."""
    from store.outbox.deliver import run

    stop = threading.Event()
    if not endpoints:
        yield stop
        stop.set()
        return
    thread = threading.Thread(
        target=run,
        args=(engine, endpoints, stop),
        kwargs={"policy": policy, "lease_s": lease_s},
        name="callpop-outbox",
        daemon=True,
    )
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=max(e.timeout for e in endpoints) + 5)


def _admin_engine(settings: Settings, *, reading: bool = False) -> tuple[Engine, Actor]:
    """The store (only checked, not migrated, for `reading`) and the admin acting on it."""
    from console.acting import cli_actor
    from console.database import open_engine, open_for_reading
    from store.policy import Action

    engine = open_for_reading(settings) if reading else open_engine(settings)
    actor = cli_actor(engine, Action.MANAGE_OUTBOX)
    assert actor is not None  # no bootstrap: an operator row or a UserError
    return engine, actor


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from store.outbox.ledger import list_deliveries

    endpoints = configured_endpoints(settings, required=False)
    engine, actor = _admin_engine(settings, reading=True)
    rows = list_deliveries(engine, actor, status=args.status)
    if args.json:
        items = [
            {
                "event_id": row.event_id,
                "type": row.type,
                "endpoint": row.endpoint,
                "status": row.status,
                "attempts": row.attempts,
                "created_at": row.created_at.isoformat(),
                "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
                "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
                "last_error": row.last_error,
            }
            for row in rows
        ]
        print(json.dumps({"endpoints": [e.describe() for e in endpoints], "deliveries": items}, indent=2))
        return 0
    print("endpoints:" if endpoints else "endpoints: none configured (CALLPOP_WEBHOOKS_FILE)")
    for endpoint in endpoints:
        shown = endpoint.describe()
        print(f"  {shown['name']}  {shown['url']}  events {','.join(sorted(endpoint.events))}"
              f"  timeout {endpoint.timeout:g}s  secret from {shown['secret']}")  # fmt: skip
    for row in rows:
        when = row.delivered_at or row.next_attempt_at
        label = "delivered" if row.delivered_at else "next"
        moment = f"{label} {when:%Y-%m-%d %H:%M:%S}" if when else ""
        error = f"  last error: {row.last_error}" if row.last_error else ""
        print(f"{row.created_at:%Y-%m-%d %H:%M:%S} {row.event_id} {row.type} -> {row.endpoint} "
              f"{row.status} attempts {row.attempts} {moment}{error}")  # fmt: skip
    if not rows:
        print("no deliveries" + (f" are {args.status}" if args.status else ""))
    return 0


def run_retry(args: argparse.Namespace, settings: Settings) -> int:
    from store.outbox.ledger import retry

    if args.event_id is not None and not _EVENT_ID.fullmatch(args.event_id):
        raise UserError(f"{args.event_id[:40]!r} is not an event id (a UUID, as `callpop outbox list` shows)")
    engine, actor = _admin_engine(settings)
    count = retry(engine, actor, event_id=args.event_id, dead=args.dead)
    if count == 0:
        what = f"event {args.event_id}" if args.event_id else "dead deliveries"
        print(f"nothing to retry: no undelivered {what} (delivered ones are never sent again)")
        return 1
    print(f"{count} deliver{'y' if count == 1 else 'ies'} due now")
    return 0


def run_deliver(args: argparse.Namespace, settings: Settings) -> int:
    import signal

    from store.outbox.deliver import deliver_once, run

    endpoints = configured_endpoints(settings, required=True)
    engine, _actor = _admin_engine(settings)
    if args.once:
        done = deliver_once(engine, endpoints, lease_s=settings.outbox_lease_seconds)
        print(f"delivered {done.delivered}, failed {done.failed} (will retry), dead {done.dead}")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"delivering to {len(endpoints)} endpoint(s); Ctrl+C stops")
    try:
        run(engine, endpoints, stop, lease_s=settings.outbox_lease_seconds)
    except KeyboardInterrupt:
        stop.set()
    return 0
