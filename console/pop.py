"""The screen pop: a console watches its own extension and, when it rings, shows who is calling.

One customer at the number: their profile. Several (a household line): a pick list. Nobody:
the lookup, prefilled, offering a new prospect. Withheld: the lookup with a notice. Chats pop by
e-mail first, then by number. The watcher is a thread worker; it only ever posts messages.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from textual.app import App
from textual.message import Message
from textual.worker import Worker, get_current_worker

from screens.context import context_of
from screens.messages import OpenLookup, OpenProfile
from screens.pick_caller import PickCallerScreen
from store.call_events import IncomingCall, load_call, ring_topic
from store.models import Channel
from store.notify import ChangeFeed
from store.phones import normalize_phone
from store.search import Match, find_by_email, find_by_phone

POP_POLL_S = 0.025
"""SQLite polling period of the watcher: one cheap PRAGMA each time; the wait is most of the
pop's own latency budget (the profile's load and paint take the rest)."""
WAIT_S = 0.5
"""How long one wait blocks, so a cancelled watcher (app exit) stops within this."""
RETRY_S = 1.0

log = logging.getLogger(__name__)


class PopKind(StrEnum):
    ONE = "one"
    SEVERAL = "several"
    NONE = "none"
    WITHHELD = "withheld"


@dataclass(frozen=True)
class PopDecision:
    """What the console shows for a ring; `key` is the number (E.164 if readable) or e-mail."""

    kind: PopKind
    call_id: str
    key: str
    channel: Channel
    matches: list[Match] = field(default_factory=list)
    notice: str = ""


def decide(engine: Engine, call: IncomingCall, region: str) -> PopDecision:
    """Who `call` is from, as far as the store knows."""
    if call.withheld and not call.email:
        notice = "Number withheld: ask who is calling and search by name."
        return PopDecision(PopKind.WITHHELD, call.call_id, "", call.channel, notice=notice)
    number = "" if call.withheld else (normalize_phone(call.caller, region) or call.caller)
    matches: list[Match] = []
    if call.channel == Channel.CHAT and call.email:
        matches = find_by_email(engine, call.email)
    if not matches and number:
        matches = _strongest(find_by_phone(engine, number, region=region))
    key = call.email if call.channel == Channel.CHAT and call.email and not number else number
    if len(matches) == 1:
        return PopDecision(PopKind.ONE, call.call_id, key, call.channel, matches)
    if matches:
        return PopDecision(PopKind.SEVERAL, call.call_id, key, call.channel, matches)
    what = "chat from" if call.channel == Channel.CHAT else "call from"
    return PopDecision(
        PopKind.NONE,
        call.call_id,
        key,
        call.channel,
        notice=f"Unknown {what} {key}: search by name, or Ctrl+N makes them a new prospect.",
    )


def _strongest(matches: list[Match]) -> list[Match]:
    """Exact number matches when there are any; the same national number under another country
    code only when nothing matches exactly."""
    exact = [m for m in matches if m.matched_on == "phone_exact"]
    return exact or matches


@dataclass
class PopArrived(Message):
    """A ring for this console, decided; the app shows it now or holds it (mandatory wrap-up)."""

    decision: PopDecision


def show_pop(app: App[object], decision: PopDecision) -> None:
    """On the UI thread: open what `decision` says."""
    if decision.kind is PopKind.ONE:
        app.post_message(OpenProfile(decision.matches[0].customer_id, call_id=decision.call_id))
    elif decision.kind is PopKind.SEVERAL:
        app.push_screen(PickCallerScreen(decision.matches, number=decision.key, call_id=decision.call_id))
    else:
        app.post_message(OpenLookup(prefill=decision.key, notice=decision.notice, call_id=decision.call_id))


def start_pop_watcher(app: App[object], *, ready: threading.Event | None = None) -> Worker[None]:
    """Watch this console's extension for rings (call from the app's `on_mount`). `ready` is set
    once the watcher listens: rings committed after that pop (tests and the benchmark wait on it)."""
    return app.run_worker(
        lambda: _watch(app, ready),
        name="pop watcher",
        group="pop",
        thread=True,
        exclusive=True,
        exit_on_error=False,
    )


def _watch(app: App[object], ready: threading.Event | None) -> None:
    """The worker: wait for rings, decide in this thread, show on the UI thread. A database
    outage (even at start) is waited out; the feed then resyncs from its last seen event."""
    context = context_of(app)
    topics = {ring_topic(context.extension)}
    worker = get_current_worker()
    feed: ChangeFeed | None = None
    try:
        while not worker.is_cancelled:
            try:
                if feed is None:
                    feed = ChangeFeed(context.engine, topics, poll_interval=POP_POLL_S)
                    if ready is not None:
                        ready.set()
                events = feed.wait(WAIT_S)
                if not events:
                    continue
                # Rings that landed together: the newest is the one still ringing.
                call = load_call(context.engine, events[-1].key)
                decision = decide(context.engine, call, context.default_region) if call else None
            except SQLAlchemyError:
                log.exception("pop watcher: database unavailable, retrying")
                if feed is not None:
                    feed.close()
                time.sleep(RETRY_S)
                continue
            if decision is not None and not worker.is_cancelled:
                app.post_message(PopArrived(decision))
    finally:
        if feed is not None:
            feed.close()
