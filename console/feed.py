"""The console's one change feed: one connection (PostgreSQL `LISTEN`, or one SQLite
`data_version` poller) per console, following only what this console shows.

The app tells it what to follow: its extension's rings, plus whatever the screens on its stack
show (`screens.messages.LiveScreen`). A ring is decided here, in the feed's thread
(`console.pop.watch_ring`); a customer or call change is posted to the app, which forwards it to
the screens that show it. A database outage is waited out and reported (`DatabaseStateChanged`);
the feed then resyncs from the last event it saw, so nothing committed meanwhile is missed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from textual.app import App
from textual.message import Message
from textual.worker import Worker, get_current_worker

from console.pop import watch_ring
from screens.context import ConsoleContext
from screens.messages import DatabaseState, DatabaseStateChanged
from store.call_events import IncomingCall, load_call
from store.notify import (
    FLOOR_TOPIC,
    ChangeEvent,
    ChangeFeed,
    call_subject,
    customer_subject,
    ring_subject,
    ticket_subject,
)

FEED_POLL_S = 0.025
"""SQLite polling period: one cheap PRAGMA each time; the wait is most of the pop's own latency
budget (the profile's load and paint take the rest)."""
WAIT_S = 0.5
"""How long one wait blocks, so a cancelled feed (app exit) stops within this."""
RETRY_S = 1.0
"""How often an unavailable database is tried again."""

log = logging.getLogger(__name__)


@dataclass
class CustomersChanged(Message):
    """Customers saved somewhere that a screen of this console shows."""

    customer_ids: list[int]


@dataclass
class TicketsChangedHere(Message):
    """Tickets changed that a screen of this console follows (their subjects or the topic)."""

    ticket_ids: list[int]


@dataclass
class CallChanged(Message):
    """A call that a screen of this console shows (or a held pop) changed state."""

    call: IncomingCall


class FloorActivity(Message):
    """A console's presence or a call changed, and a floor screen of this console follows them."""


class ConsoleFeed:
    """The app's change feed. `follow` is called on the UI thread; the rest runs in one worker."""

    def __init__(self, app: App[Any], context: ConsoleContext, *, ready: threading.Event) -> None:
        self._app = app
        self._context = context
        self._ring = ring_subject(context.extension)
        self._subjects = frozenset({self._ring})
        self._feed: ChangeFeed | None = None
        self._pending: list[ChangeEvent] = []
        self.state: DatabaseState = "ok"
        self.ready = ready
        """Set once the feed follows this extension: rings committed after that pop (tests and
        the benchmark wait on it)."""

    @property
    def subjects(self) -> frozenset[str]:
        """What the feed follows now."""
        return self._subjects

    @property
    def reads(self) -> int:
        """How many times the feed has read the event table (what wakes cost)."""
        return self._feed.reads if self._feed is not None else 0

    def follow(self, subjects: Collection[str]) -> None:
        """Follow this extension's rings and `subjects`, from the feed's next table read on."""
        self._subjects = frozenset({self._ring, *subjects})
        if self._feed is not None:
            self._feed.follow(self._subjects)

    def start(self) -> Worker[None]:
        """Run the feed in a thread worker (from the app's `on_mount`)."""
        return self._app.run_worker(
            self._run, name="change feed", group="feed", thread=True, exclusive=True, exit_on_error=False
        )

    def _run(self) -> None:
        worker = get_current_worker()
        try:
            while not worker.is_cancelled:
                try:
                    if self._feed is None:
                        self._feed = ChangeFeed(
                            self._context.engine, self._subjects, poll_interval=FEED_POLL_S
                        )
                        self.ready.set()
                    if not self._pending:
                        self._feed.follow(self._subjects)  # in case `follow` ran while it was made
                        self._pending = self._feed.wait(WAIT_S)
                    self._set_state("ok")
                    if not worker.is_cancelled:
                        self._route(self._pending)
                    self._pending = []
                except SQLAlchemyError:
                    log.warning("change feed: database unavailable, retrying", exc_info=True)
                    self._set_state("unavailable")
                    if self._feed is not None:
                        self._feed.close()
                    time.sleep(RETRY_S)
        finally:
            if self._feed is not None:
                self._feed.close()

    def _route(self, events: list[ChangeEvent]) -> None:
        """Tell the app about `events`. Rings go last: everything before them may be retried
        (after an outage) without harm, a pop must not be posted twice."""
        subjects = self._subjects
        customers = sorted({int(e.key) for e in events if e.topic == "customer" and e.key.isdigit()})
        customers = [c for c in customers if customer_subject(c) in subjects]
        if customers:
            self._app.post_message(CustomersChanged(customers))
        tickets = sorted({int(e.key) for e in events if e.topic == "ticket" and e.key.isdigit()})
        if tickets and ("ticket" in subjects or any(ticket_subject(t) in subjects for t in tickets)):
            self._app.post_message(TicketsChangedHere(tickets))
        for call_id in dict.fromkeys(e.key for e in events if e.topic == "call"):
            if call_subject(call_id) in subjects and (call := load_call(self._context.engine, call_id)):
                self._app.post_message(CallChanged(call))
        if FLOOR_TOPIC in subjects and any(e.topic in (FLOOR_TOPIC, "call") for e in events):
            self._app.post_message(FloorActivity())
        rings = [e for e in events if e.subject == self._ring]
        if rings:  # rings that landed together: the newest is the one still ringing
            watch_ring(self._app, self._context, rings[-1].key)

    def _set_state(self, state: DatabaseState) -> None:
        if state != self.state:
            self.state = state
            self._app.post_message(DatabaseStateChanged(state))
