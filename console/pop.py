"""The screen pop on the console: the ring watcher (run by the console's change feed, in its
thread) and `show_pop` (on the UI thread). Who the caller is, is `store.pop.decide`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.message import Message

from screens.context import ConsoleContext
from screens.messages import OpenLookup, OpenProfile
from screens.pick_caller import PickCallerScreen
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


def show_pop(app: App[Any], decision: PopDecision) -> None:
    """On the UI thread: open what `decision` says."""
    if decision.kind is PopKind.ONE:
        app.post_message(OpenProfile(decision.matches[0].customer_id, call_id=decision.call_id))
    elif decision.kind is PopKind.SEVERAL:
        app.push_screen(PickCallerScreen(decision.matches, number=decision.key, call_id=decision.call_id))
    else:
        app.post_message(OpenLookup(prefill=decision.key, notice=decision.notice, call_id=decision.call_id))
