"""The screen pop on the console: the ring watcher (run by the console's change feed, in its
thread), `show_pop` (on the UI thread) and `open_popped_profile`, which reads the caller's profile
before opening it (one layout and paint instead of three, screens.profile_preload). Who the caller
is, is `store.pop.decide`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from textual.app import App
from textual.message import Message
from textual.worker import get_current_worker

from console.key_order import KeysInTurn
from screens.context import ConsoleContext, context_of
from screens.messages import OpenLookup, OpenProfile
from screens.pick_caller import PickCallerScreen
from screens.profile_preload import Preloaded, preload
from store.call_events import load_call
from store.pop import PopDecision, PopKind, decide


@dataclass
class PopArrived(Message):
    """A ring for this console, decided; the app shows it now or holds it (mandatory wrap-up)."""

    decision: PopDecision


def watch_ring(app: App[Any], context: ConsoleContext, call_id: str) -> None:
    """In the feed's thread: a ring arrived at this extension; decide who it is and tell the app.
    A call that already ended (it rang out while the console was away) does not pop."""
    call = load_call(context.engine, call_id)
    if call is not None and not call.ended:
        app.post_message(PopArrived(decide(context.engine, call, context.default_region)))


def show_pop(app: KeysInTurn, decision: PopDecision) -> None:
    """On the UI thread: open what `decision` says, between two keys; whatever the operator is
    still typing was meant for the screen the pop covers (console.key_order)."""
    app.cut_typing(then=partial(_open_pop, app, decision))


def _open_pop(app: App[Any], decision: PopDecision) -> None:
    if decision.kind is PopKind.ONE:
        app.post_message(OpenProfile(decision.matches[0].customer_id, call_id=decision.call_id))
    elif decision.kind is PopKind.SEVERAL:
        app.push_screen(PickCallerScreen(decision.matches, number=decision.key, call_id=decision.call_id))
    else:
        app.post_message(OpenLookup(prefill=decision.key, notice=decision.notice, call_id=decision.call_id))


Opener = Callable[[int, str, Preloaded | None], None]
"""Opens the profile on the UI thread (the app's: it checks the console is still signed in and
unlocked): customer id, call id, what was read (None: the screen loads it itself)."""


def open_popped_profile(app: App[Any], customer_id: int, call_id: str, opener: Opener) -> None:
    """On the UI thread: read the profile and its offers in a thread worker, then `opener` opens the
    screen with them. A database error opens it anyway: it loads itself and says what failed."""
    work = partial(_preload_and_open, app, customer_id, call_id, opener)
    app.run_worker(work, thread=True, group="pop-profile")


def _preload_and_open(app: App[Any], customer_id: int, call_id: str, opener: Opener) -> None:
    context = context_of(app)
    preloaded: Preloaded | None = None
    if context.actor is not None:
        try:
            preloaded = preload(context, context.actor, customer_id, call_id=call_id, today=date.today())
        except SQLAlchemyError:
            preloaded = None
    if not get_current_worker().is_cancelled:  # else the app is closing
        app.call_from_thread(opener, customer_id, call_id, preloaded)
