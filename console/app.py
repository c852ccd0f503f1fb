"""The console app: wires screens, bindings and theme. Screen logic lives in `screens/`."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import App
from textual.binding import Binding

from console.config import Settings
from console.database import open_engine
from console.pop import PopArrived, PopDecision, show_pop, start_pop_watcher
from screens.callbacks import CallbacksScreen
from screens.context import ConsoleContext
from screens.lookup import LookupScreen
from screens.messages import OpenLookup, OpenProfile, StartWrapUp, WrapUpFinished
from screens.outage import DatabaseUnavailable, LocalFileProblem, database_guard, local_file_guard
from screens.profile import ProfileScreen
from screens.wrapup import WrapUpScreen
from store.drafts import unfinished_drafts
from store.journal import replay_pending
from store.models import Channel, Role
from store.outcomes import OutcomeConfig, WrapUpMode, load_outcomes
from store.permissions import role_of

JOURNAL_REPLAY_S = 15.0
"""How often queued wrap-ups (saved while the database was away) are retried."""


class CallpopApp(App[None]):
    """The operator console. Lookup is the home screen; profile and wrap-up stack above it."""

    TITLE = "callpop"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("f1", "lookup", "Lookup", id="lookup"),
        Binding("f6", "callbacks", "Callbacks", id="callbacks"),
        Binding("f7", "callback_queue", "Queue", id="callback_queue", tooltip="Every operator's callbacks"),
    ]

    def __init__(self, context: ConsoleContext, outcomes: OutcomeConfig) -> None:
        super().__init__()
        self.context = context
        self.outcomes = outcomes
        self.held_pop: PopDecision | None = None
        """A voice call that rang during a wrap-up that must end first; it pops when that is done."""
        self.pop_ready = threading.Event()
        """Set once this console listens for rings at its extension (tests and benchmarks wait on it)."""
        self.sub_title = f"{context.operator} ({context.role}) @ ext {context.extension}"

    def on_mount(self) -> None:
        self.push_screen(LookupScreen())
        start_pop_watcher(self, ready=self.pop_ready)
        self._reopen_drafts()
        self.set_interval(JOURNAL_REPLAY_S, self._replay_journal)
        self._replay_journal()

    def action_lookup(self) -> None:
        self.post_message(OpenLookup())

    def action_callbacks(self) -> None:
        self.push_screen(CallbacksScreen())

    def action_callback_queue(self) -> None:
        self.push_screen(CallbacksScreen(queue=True))

    @on(PopArrived)
    def _pop(self, message: PopArrived) -> None:
        """Show the caller, unless the wrap-up in progress must end first: mandatory, or time-boxed
        (it saves its defaults when the after-call-work time runs out). Chats always pop."""
        wrapping_up = any(isinstance(screen, WrapUpScreen) for screen in self.screen_stack)
        must_finish = self.outcomes.mode != WrapUpMode.OPTIONAL
        if wrapping_up and must_finish and message.decision.channel == Channel.VOICE:
            self.held_pop = message.decision
            self.notify("A call is waiting: finish this wrap-up (ctrl+s) to take it.", timeout=8)
            return
        show_pop(self, message.decision)

    @on(LocalFileProblem)
    def _local_file_problem(self, message: LocalFileProblem) -> None:
        text = (
            f"The local drafts file in {self.context.data_dir} failed while {message.what}: {message.detail}"
        )
        self.notify(text, title="Check the disk", severity="error", timeout=10, markup=False)

    @on(DatabaseUnavailable)
    def _database_unavailable(self, message: DatabaseUnavailable) -> None:
        text = f"Database unavailable while {message.what}. {message.detail}".strip()
        self.notify(text, title="Try again in a moment", severity="error", timeout=8, markup=False)

    @on(OpenLookup)
    async def _open_lookup(self, message: OpenLookup) -> None:
        lookup = await self._unwind_to_lookup()
        if message.prefill or message.notice or message.call_id:
            lookup.prefill(message.prefill, notice=message.notice, call_id=message.call_id)

    @on(OpenProfile)
    def _open_profile(self, message: OpenProfile) -> None:
        self.push_screen(ProfileScreen(message.customer_id, call_id=message.call_id))

    @on(StartWrapUp)
    def _start_wrapup(self, message: StartWrapUp) -> None:
        self.push_screen(
            WrapUpScreen(
                call_id=message.call_id,
                customer_id=message.customer_id,
                offer_responses=message.offer_responses,
            )
        )

    @on(WrapUpFinished)
    def _wrapup_finished(self, message: WrapUpFinished) -> None:
        """The finished wrap-up closes; another open one (a second chat) comes back on top, else
        the seat is free: an empty lookup, or the call that waited for this wrap-up. A wrap-up
        finished under another screen is closed when it is back on top (it says so again)."""
        top = self.screen
        if not (isinstance(top, WrapUpScreen) and top.call_id == message.call_id):
            return
        self.pop_screen()
        while len(self.screen_stack) > 2 and not isinstance(self.screen, (LookupScreen, WrapUpScreen)):
            self.pop_screen()
        if isinstance(self.screen, WrapUpScreen):
            return
        if isinstance(self.screen, LookupScreen):
            self.screen.prefill("")
        if self.held_pop is not None:
            decision, self.held_pop = self.held_pop, None
            show_pop(self, decision)

    async def _unwind_to_lookup(self) -> LookupScreen:
        """Back to the nearest lookup, but never past an open wrap-up (navigation must not drop
        a call's outcome): above one, a fresh lookup opens."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, (LookupScreen, WrapUpScreen)):
            self.pop_screen()
        if isinstance(self.screen, LookupScreen):
            return self.screen
        lookup = LookupScreen()
        await self.push_screen(lookup)
        return lookup

    @work(thread=True, exclusive=True, group="reopen-drafts")
    def _reopen_drafts(self) -> None:
        """Wrap-ups this operator had not finished (a crash, a closed SSH session) come back."""
        with local_file_guard(self, "reopening unfinished wrap-ups"):
            for draft in unfinished_drafts(self.context.data_dir, self.context.operator):
                self.call_from_thread(self._reopen, draft.call_id, draft.customer_id)

    def _reopen(self, call_id: str, customer_id: int | None) -> None:
        self.push_screen(WrapUpScreen(call_id=call_id, customer_id=customer_id))

    @work(thread=True, exclusive=True, group="journal-replay")
    def _replay_journal(self) -> None:
        with local_file_guard(self, "replaying queued wrap-ups"), database_guard(self, "replaying"):
            report = replay_pending(self.context.engine, self.context.data_dir)
            if report.saved:
                self.call_from_thread(self.notify, f"{report.saved} queued wrap-up(s) saved", markup=False)


def _role(engine: Engine, operator: str) -> Role:
    """The seat's role; while the database does not answer, the least privileged one."""
    try:
        return role_of(engine, operator)
    except SQLAlchemyError:
        return Role.OPERATOR


def make_app(settings: Settings, *, engine: Engine | None = None) -> CallpopApp:
    """The one app factory, used by `callpop run` and by the tests. A bad outcomes file raises
    `OutcomesError` here, before any screen opens."""
    outcomes = load_outcomes(settings.outcomes_file)
    engine = engine or open_engine(settings)
    context = ConsoleContext(
        engine=engine,
        operator=settings.operator,
        extension=settings.extension,
        default_region=settings.default_region,
        data_dir=settings.data_dir,
        outcomes_file=settings.outcomes_file,
        role=_role(engine, settings.operator),
    )
    return CallpopApp(context, outcomes)
