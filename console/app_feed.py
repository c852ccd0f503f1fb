"""The console's side of its one change feed: what the screens on the stack follow, and what the
feed's news becomes for them (a customer changed, a call ended, the database went or came back)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen

from console.feed import CallChanged, ConsoleFeed, CustomersChanged, FloorActivity
from console.session_lock import SessionLockedApp
from screens.context import ConsoleContext
from screens.i18n import _, said_status
from screens.messages import (
    CallEnded,
    CustomerChanged,
    DatabaseState,
    DatabaseStateChanged,
    FloorChanged,
    LiveScreen,
    LiveSubjectsChanged,
)
from screens.outage import DatabaseUnavailable, LocalFileProblem
from screens.wrapup import WrapUpScreen
from store.notify import FLOOR_TOPIC, call_subject, customer_of, customer_subject
from store.pop import PopDecision

if TYPE_CHECKING:
    from console.presence import ConsolePresence


class FeedRoutedApp(SessionLockedApp):
    """Routes the change feed to the screens that show what changed (one feed per console)."""

    context: ConsoleContext
    feed: ConsoleFeed
    presence: ConsolePresence
    """The console's state on the floor (console.presence): it also decides every pop."""
    held_pop: PopDecision | None
    """A voice call that rang while it could not pop; it pops when the seat is free."""
    _wrapups: list[WrapUpScreen]
    """Open wrap-ups, oldest first (console.app_wrapups keeps them)."""

    db_state: reactive[DatabaseState] = reactive("ok")
    """ "ok", or "unavailable" while the change feed cannot reach the database (the status line)."""

    def _follow_screens(self, _screen: Screen[object] | None = None) -> None:
        """Follow on the feed what the screens on the stack show (called whenever it changes)."""
        subjects: set[str] = set()
        for screen in self._live_screens():
            subjects.update(screen.live_subjects())
        if self.held_pop is not None:
            subjects.add(call_subject(self.held_pop.call_id))
        self.feed.follow(subjects | self.presence.live_subjects())

    @on(LiveSubjectsChanged)
    def refollow(self) -> None:
        self._follow_screens()

    def _forward(self, subject: str, message: Callable[[], Message]) -> None:
        """Post a fresh `message()` to every live screen that shows `subject`."""
        for screen in self._live_screens():
            if subject in screen.live_subjects():
                screen.post_message(message())

    def _live_screens(self) -> list[LiveScreen]:
        """The screens on the stack that show live data, and open wrap-ups moved off it."""
        stacked = [screen for screen in self.screen_stack if isinstance(screen, LiveScreen)]
        return stacked + [wrapup for wrapup in self._wrapups if wrapup not in self.screen_stack]

    @on(CustomersChanged)
    def _customers_changed(self, message: CustomersChanged) -> None:
        for customer_id in message.customer_ids:
            self._forward(customer_subject(customer_id), partial(CustomerChanged, customer_id))

    @on(CallChanged)
    def _call_changed(self, message: CallChanged) -> None:
        """An ended call says so on the screens that show it; a held pop of it is dropped. The
        presence hears every change (answered: on a call)."""
        call = message.call
        if call.ended:
            self._forward(call_subject(call.call_id), lambda: CallEnded(call.call_id, call.status))
        if call.ended and self.held_pop is not None and self.held_pop.call_id == call.call_id:
            self.held_pop = None
            self._follow_screens()
            text = _("The call that was waiting ended ({status}).").format(status=said_status(call.status))
            self.notify(text, timeout=8, markup=False)
        self.presence.call_changed(call)

    @on(FloorActivity)
    def _floor_activity(self) -> None:
        self._forward(FLOOR_TOPIC, FloorChanged)

    @on(DatabaseStateChanged)
    def _db_state(self, message: DatabaseStateChanged) -> None:
        """Say when the database goes and comes back; when back, screens reload what they show
        (their own loads may have failed meanwhile)."""
        if message.state == self.db_state:
            return
        self.db_state = message.state
        if message.state == "unavailable":
            text = _("Database unavailable: rings and live updates resume when it is back.")
            self.notify(text, title=_("Database"), severity="error", timeout=10)
            return
        self.notify(_("Database back."), title=_("Database"), timeout=4)
        self.presence.republish()
        for screen in self.screen_stack:
            if isinstance(screen, LiveScreen):
                for customer_id in filter(None, map(customer_of, screen.live_subjects())):
                    screen.post_message(CustomerChanged(customer_id))

    @on(LocalFileProblem)
    def _local_file_problem(self, message: LocalFileProblem) -> None:
        text = _("The local drafts file in {folder} failed while {what}: {detail}").format(
            folder=self.context.data_dir, what=message.what, detail=message.detail
        )
        self.notify(text, title=_("Check the disk"), severity="error", timeout=10, markup=False)

    @on(DatabaseUnavailable)
    def _database_unavailable(self, message: DatabaseUnavailable) -> None:
        self.db_state = "unavailable"
        text = _("Database unavailable while {what}. {detail}").format(
            what=message.what, detail=message.detail
        )
        self.notify(text.strip(), title=_("Try again in a moment"), severity="error", timeout=8, markup=False)
