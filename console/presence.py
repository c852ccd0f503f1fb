"""The console's presence on the floor: which state it is in, whether a pop may show now, and
publishing both to the store (store.presence) so floor screens see it within their feed's wake.

The operator chooses ready or break (F5 cycles them); the console knows the rest: locked while
the lock screen covers it, on a call once the voice call it popped is answered (until that call
ends or its wrap-up is saved), after-call work while a wrap-up is open. Whatever is not ready
holds a voice pop the way a mandatory wrap-up always did, with a notice, and the pop shows as soon
as the console is ready again. In the optional wrap-up mode an open wrap-up never held a call, so
after-call work there still takes one. Chats pop as before: at once, unless the console is locked.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from console.pop import show_pop
from screens.i18n import _
from screens.wrapup import WrapUpScreen
from store.call_events import IncomingCall
from store.models import CallStatus, Channel
from store.notify import call_subject
from store.pop import PopDecision
from store.presence import CHOSEN, NotYourSession, Presence, PresenceState, publish_presence
from store.timeutil import utcnow
from store.wrapup import WrapUpMode

if TYPE_CHECKING:
    from console.app import CallpopApp


class ConsolePresence:
    """Owned by the app (UI thread); publishing runs in one thread worker at a time."""

    def __init__(self, app: CallpopApp) -> None:
        self._app = app
        self.chosen = PresenceState.READY
        self._call_id = ""
        """The voice call this console popped last, followed until it ends."""
        self._answered = False
        self._opened: dict[int, datetime] = {}
        """When each open wrap-up (by id of its screen) was first seen."""
        self._lock = threading.Lock()
        self._wanted: Presence | None = None
        self._published: Presence | None = None
        self._publishing = False

    @property
    def state(self) -> PresenceState:
        app = self._app
        if app.locked:
            return PresenceState.LOCKED
        if self._call_id and self._answered:
            return PresenceState.ON_CALL
        if app.open_wrapups:
            return PresenceState.ACW
        return self.chosen

    def live_subjects(self) -> set[str]:
        """The popped call, so the console hears it answered and ended."""
        return {call_subject(self._call_id)} if self._call_id else set()

    # --- the pop --------------------------------------------------------------------------------

    def offer(self, decision: PopDecision) -> None:
        """A ring decided for this console: show it, or hold it with a notice saying why."""
        app = self._app
        if app.locked:
            self._hold(decision, _("A call is waiting: unlock to take it."))
        elif decision.channel == Channel.VOICE and not self._takes_voice():
            self._hold(decision, self._why_held())
        else:
            self._show(decision)

    def _takes_voice(self) -> bool:
        state = self.state
        optional = self._app.outcomes.mode == WrapUpMode.OPTIONAL
        return state is PresenceState.READY or (state is PresenceState.ACW and optional)

    def _why_held(self) -> str:
        state = self.state
        if state is PresenceState.ACW:
            if isinstance(self._app.screen, WrapUpScreen):
                return _("A call is waiting: finish this wrap-up (ctrl+s) to take it.")
            return _("A call is waiting: finish the open wrap-up first (ctrl+w resumes it).")
        if state is PresenceState.ON_CALL:
            return _("A call is waiting: it pops when this call is over.")
        return _("A call is waiting: you are on break (f5: ready to take it).")

    def _hold(self, decision: PopDecision, notice: str) -> None:
        self._app.held_pop = decision
        self._app.refollow()
        self._app.notify(notice, timeout=8, markup=False)
        self.refresh()

    def _show(self, decision: PopDecision) -> None:
        if decision.channel == Channel.VOICE:
            self._call_id, self._answered = decision.call_id, False
            self._app.refollow()
        show_pop(self._app, decision)

    def _release(self) -> None:
        """The held pop shows once nothing holds it any more."""
        decision = self._app.held_pop
        if decision is None or self._app.locked:
            return
        if decision.channel == Channel.VOICE and not self._takes_voice():
            return
        self._app.held_pop = None
        self._show(decision)
        self._app.refollow()

    # --- what changes the state ---------------------------------------------------------------

    def cycle(self) -> None:
        """The operator's key: ready <-> break."""
        self.chosen = CHOSEN[(CHOSEN.index(self.chosen) + 1) % len(CHOSEN)]
        self.refresh()

    def call_changed(self, call: IncomingCall) -> None:
        """The popped call was answered (on a call) or ended (the call is over); a held one that
        ended is no longer held (the app dropped it)."""
        if call.call_id == self._call_id and call.ended:
            self._call_id, self._answered = "", False
            self._app.refollow()
        elif call.call_id == self._call_id:
            self._answered = self._answered or call.status == CallStatus.ANSWERED
        self.refresh()

    def wrapup_saved(self, call_id: str) -> None:
        """The popped call's wrap-up is saved: that call is done with, ended or not. The refresh
        comes with the screen change that closes the wrap-up (a held pop shows after it)."""
        if call_id == self._call_id:
            self._call_id, self._answered = "", False
            self._app.refollow()

    def refresh(self, *_changed: object) -> None:
        """Recompute the state (after any change: screens, calls, keys): show it on the status
        line, release a held pop it no longer holds, and publish it if it changed."""
        app = self._app
        if app.context.actor is None:
            return
        self._release()
        wrapups = {id(screen): self._opened.get(id(screen), utcnow()) for screen in app.open_wrapup_screens}
        self._opened = wrapups
        held = app.held_pop.call_id if app.held_pop is not None else ""
        presence = Presence(self.state, len(wrapups), min(wrapups.values(), default=None), held)
        app.presence_state = presence.state.value
        with self._lock:
            self._wanted = presence
            if self._publishing or presence == self._published:
                return
            self._publishing = True
        app.run_worker(self._publish, name="presence", group="presence", thread=True, exit_on_error=False)

    def republish(self) -> None:
        """Publish again what is wanted (the database came back: the last try may have failed)."""
        with self._lock:
            self._published = None
        self.refresh()

    def _publish(self) -> None:
        """In a worker: publish the wanted presence until the published one is the latest."""
        actor = self._app.context.actor
        while True:
            with self._lock:
                wanted = self._wanted
                if actor is None or wanted is None or wanted == self._published:
                    self._publishing = False
                    return
            try:
                publish_presence(self._app.context.engine, actor, wanted)
            except (SQLAlchemyError, NotYourSession):
                with self._lock:  # the database is away, or the session ended: the next change retries
                    self._publishing = False
                return
            with self._lock:
                self._published = wanted
