"""The console app: wires screens, bindings and theme. Screen logic lives in `screens/`."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import replace

from rich.segment import Segments
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from textual import events, on, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from console import signin
from console.app_status import StatusLineApp
from console.app_wrapups import WrapUpDeskApp
from console.closed_watchers import forget_closed_watchers
from console.config import Settings
from console.database import CONSOLE_CONNECTIONS, open_console_engine, open_engines
from console.feed import ConsoleFeed
from console.key_order import KeysInTurn
from console.low_bandwidth import (
    LOW_BANDWIDTH_SEARCH_SETTLE_S,
    choose_theme,
    register_themes,
    stop_blinking,
    wanted,
)
from console.pop import open_popped_profile
from console.presence import ConsolePresence
from console.signin import SeatRules
from console.supervisor_nav import SCREEN_ACTIONS, SupervisorNavigation
from console.worker_threads import WorkersLetGo
from screens.callbacks import CallbacksScreen
from screens.confirm_quit import ConfirmQuitScreen
from screens.context import ConsoleContext
from screens.i18n import N_, _, choose_language, set_language
from screens.language import (
    ChooseLanguage,
    LanguageChanged,
    LanguageCommands,
    apply_language,
    translated_system_commands,
)
from screens.lock import LockScreen, Unlocked
from screens.lookup import LookupScreen
from screens.messages import OpenLookup, OpenProfile
from screens.outage import database_guard
from screens.profile import ProfileScreen
from screens.profile_preload import Preloaded
from screens.signin import SignedIn, SignInScreen
from store import sessions
from store.identity import seat_extension
from store.languages import operator_language, save_operator_language
from store.models import Role
from store.policy import Actor
from store.sessions import SessionState
from store.wrapup import (
    OutcomeConfig,
    load_outcomes,
)

ROLE_NAMES = {Role.OPERATOR: N_("operator"), Role.SUPERVISOR: N_("supervisor"), Role.ADMIN: N_("admin")}
"""How the title bar names each role (translated where it is shown)."""

JOURNAL_REPLAY_S = 15.0
"""How often queued wrap-ups (saved while the database was away) are retried."""


class CallpopApp(KeysInTurn, WorkersLetGo, StatusLineApp, SupervisorNavigation):
    """The operator console. Lookup is the home screen; profile and wrap-up stack above it."""

    TITLE = "callpop"
    COMMANDS = WrapUpDeskApp.COMMANDS | {LanguageCommands}
    BINDINGS = [
        # priority, so it works from the lookup's search box; on a wrap-up it stays delete-word
        Binding(
            "ctrl+w", "resume_wrapup", N_("Resume wrap-up"), id="resume_wrapup", priority=True, show=False
        ),
        # footer order: what a role uses most comes first (a narrow footer cuts the last ones);
        # the keys a role may not use are not shown at all (check_action)
        Binding("f1", "lookup", N_("Lookup"), id="lookup"),
        Binding("f8", "tickets", N_("Tickets"), id="tickets", tooltip=N_("The team's ticket queue")),
        Binding("f9", "floor", N_("Floor"), id="floor"),
        Binding("f10", "reports", N_("Reports"), id="reports"),
        Binding("f6", "callbacks", N_("Callbacks"), id="callbacks"),
        Binding(
            "f7", "callback_queue", N_("Queue"), id="callback_queue", tooltip=N_("Every operator's callbacks")
        ),
        Binding("f5", "cycle_presence", N_("Ready/Break"), id="presence"),
        Binding("ctrl+q", "quit", N_("Quit"), id="quit", priority=True),
        Binding("ctrl+l", "lock", N_("Lock"), id="lock", show=False),
    ]

    low_bandwidth: bool = False
    """Set by `make_app` for a slow link (`console.low_bandwidth`)."""

    def __init__(self, context: ConsoleContext, outcomes: OutcomeConfig, rules: SeatRules) -> None:
        super().__init__()
        self.context = context
        self.outcomes = outcomes
        self.rules = rules
        self.wrapup_too_long_s = rules.wrapup_too_long_s
        self._last_input = time.monotonic()
        self._wrapups = []
        self.held_pop = None
        self.presence = ConsolePresence(self)
        self.pop_ready = threading.Event()
        """Set once this console listens for rings at its extension (tests and benchmarks wait on it)."""
        self.feed = ConsoleFeed(self, context, ready=self.pop_ready)
        """The console's one change feed: rings at this extension, changes the screens show; made
        anew for the signed-in seat and started when it opens."""
        self._show_seat()

    def _show_seat(self) -> None:
        if self.context.actor is None:
            self.sub_title = ""
            return
        self.sub_title = _("{operator} ({role}) @ ext {extension}").format(
            operator=self.context.operator,
            role=_(ROLE_NAMES.get(self.context.role, self.context.role)),
            extension=self.context.extension or _("none"),
        )

    def on_mount(self) -> None:
        if self.low_bandwidth:
            self.animation_level = "none"
        self.screen_change_signal.subscribe(self, self._follow_screens, immediate=True)
        self.screen_change_signal.subscribe(self, self._add_status_line)
        self.screen_change_signal.subscribe(self, self.presence.refresh)
        self.screen_change_signal.subscribe(self, lambda _: forget_closed_watchers(self))
        loop = asyncio.get_running_loop()
        for hang_up in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(hang_up, self._hang_up)
        if self.context.actor is None:
            rules = self.rules
            self.push_screen(
                SignInScreen(
                    username=rules.username,
                    extension=rules.extension,
                    lifetime=rules.lifetime,
                    notice=rules.notice,
                )
            )
        else:
            self._open_seat()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Before sign-in and while locked, no key reaches customer data."""
        if action in ("lookup", "callbacks", "lock", "cycle_presence"):
            return self.context.actor is not None and not self.locked
        if action in SCREEN_ACTIONS:
            return not self.locked and self.supervisor_screen_allowed(action)
        return True

    @on(SignedIn)
    def _signed_in(self, message: SignedIn) -> None:
        actor = message.actor
        self.context = replace(
            self.context, actor=actor, operator=actor.username, role=actor.role, extension=message.extension
        )
        self.pop_screen()
        self._open_seat()
        self._load_language()

    def _open_seat(self) -> None:
        """The signed-in operator's console: lookup, the change feed (pops at their extension),
        their drafts."""
        self._show_seat()
        self.push_screen(LookupScreen())
        self.feed = ConsoleFeed(self, self.context, ready=self.pop_ready)
        self._follow_screens()
        self.feed.start()
        self._reopen_drafts()
        self.set_interval(JOURNAL_REPLAY_S, self._replay_journal)
        self._replay_journal()
        self._last_input = time.monotonic()
        self.set_interval(min(5.0, self.rules.idle_lock_s / 4), self._lock_if_idle)
        self.set_interval(sessions.HEARTBEAT_S, self._check_session)  # ended, expired; and alive

    # --- idle lock and session -----------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self._last_input = time.monotonic()
        await super().on_event(event)

    def lock(self, why: str, *, new_session: bool = False) -> None:
        """Cover every screen (an open wrap-up stays below, with its draft) until the password."""
        actor = self.context.actor
        if actor is None or self.locked:
            return
        self.push_screen(LockScreen(actor, why=why, new_session=self.rules.lifetime if new_session else None))

    def action_lock(self) -> None:
        self.lock(_("Locked at the operator's request."))

    def _lock_if_idle(self) -> None:
        if time.monotonic() - self._last_input >= self.rules.idle_lock_s:
            minutes = f"{self.rules.idle_lock_s / 60:g}"
            self.lock(_("Locked after {minutes} minutes without input.").format(minutes=minutes))

    @work(thread=True, exclusive=True, group="session-check")
    def _check_session(self) -> None:
        actor = self.context.actor
        if actor is None:
            return
        with database_guard(self, _("checking the session")):
            state = sessions.state(self.context.engine, actor)
            if state is SessionState.EXPIRED:
                self.call_from_thread(
                    self.lock, _("Your session reached its time limit: sign in again."), new_session=True
                )
            elif state is SessionState.ENDED:
                ended = _("Your session was ended: sign in again.")
                self.call_from_thread(self.lock, ended, new_session=True)

    @on(Unlocked)
    def _unlocked(self, message: Unlocked) -> None:
        self.context = replace(self.context, actor=message.actor)
        self._last_input = time.monotonic()
        if isinstance(self.screen, LockScreen):
            self.pop_screen()

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for hang_up in (signal.SIGHUP, signal.SIGTERM):
            loop.remove_signal_handler(hang_up)

    def _hang_up(self) -> None:
        """SIGHUP (the SSH session closed) or SIGTERM: keep what was typed, then close."""
        self._flush_drafts()
        self.exit()

    async def action_quit(self) -> None:
        """Quit; with a wrap-up open, ask first (its draft is kept and reopens at the next start)."""
        self._flush_drafts()
        if self._wrapups and not isinstance(self.screen, ConfirmQuitScreen):
            self.push_screen(ConfirmQuitScreen(len(self._wrapups)), self._quit_answered)
            return
        await self._sign_out_and_exit()

    async def _quit_answered(self, quit_now: bool | None) -> None:
        if quit_now:
            self._flush_drafts()
            await self._sign_out_and_exit()

    async def _sign_out_and_exit(self) -> None:
        """Sign out (the session row ends, audited) and close; an open wrap-up stays a draft."""
        actor = self.context.actor
        if actor is not None:
            try:
                await asyncio.to_thread(sessions.sign_out, self.context.engine, actor)
            except SQLAlchemyError:
                pass  # the session still ends at its lifetime; quitting must not wait on a dead database
        self.exit()

    def _fatal_error(self) -> None:
        """Textual's crash report prints every frame's local variables: here those are a
        customer's notes and phone numbers. The same report without them. rich.traceback (with
        pygments and rich.pretty, ~1.6 MB) is imported only on a crash, as Textual itself does."""
        from rich.traceback import Traceback

        self.bell()
        report = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(Segments(self.console.render(report, self.console.options)))
        self._close_messages_no_wait()

    @on(events.DescendantFocus)
    def _focused(self, event: events.DescendantFocus) -> None:
        if self.low_bandwidth:
            stop_blinking(event)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        return translated_system_commands(super().get_system_commands(screen))

    def action_lookup(self) -> None:
        self.post_message(OpenLookup())

    def action_callbacks(self) -> None:
        self.push_screen(CallbacksScreen())

    def action_cycle_presence(self) -> None:
        self.presence.cycle()

    @on(ChooseLanguage)
    def _choose_language(self, message: ChooseLanguage) -> None:
        """The palette's "Language: …": switch now, and remember it on the operator's row."""
        apply_language(self, message.language)
        self._save_language(message.language)

    @on(LanguageChanged)
    def _language_changed(self) -> None:
        self._show_seat()

    @work(thread=True, exclusive=True, group="save-language")
    def _load_language(self) -> None:
        """After a sign-in at the screen: the operator's own language, if their row has one."""
        with database_guard(self, _("reading your language")):
            saved = operator_language(self.context.engine, self.context.operator)
            if saved:
                self.call_from_thread(apply_language, self, saved)

    @work(thread=True, exclusive=True, group="save-language")
    def _save_language(self, language: str) -> None:
        with database_guard(self, _("saving your language")):
            save_operator_language(self.context.engine, self.context.operator, language)

    @on(OpenProfile)
    def _open_profile(self, message: OpenProfile) -> None:
        if message.call_id is None:
            self._push_profile(message.customer_id, None, None)
        elif not self.locked and self.context.actor is not None:  # a locked seat reads nothing
            open_popped_profile(self, message.customer_id, message.call_id, self._push_profile)

    def _push_profile(self, customer_id: int, call_id: str | None, preloaded: Preloaded | None) -> None:
        if not self.locked and self.context.actor is not None:
            self.push_screen(ProfileScreen(customer_id, call_id=call_id, preloaded=preloaded))


def _language(engine: Engine, settings: Settings, operator: str) -> str:
    """The console language: the operator row's, else the seat's locale, else the setting."""
    try:
        saved = operator_language(engine, operator) if operator else None
    except SQLAlchemyError:
        saved = None
    return choose_language(saved, os.environ, settings.language)


def make_app(
    settings: Settings, *, engine: Engine | None = None, signed_in: Actor | None = None
) -> CallpopApp:
    """The one app factory, used by `callpop run` and by the tests. `signed_in` is a session
    opened by `console.signin` (the tests' seats sign in with a password); without it the console
    signs in by OS account or shows the sign-in screen (console.signin says which). A bad outcomes
    file raises `OutcomesError`, an OS account that may not sign in `SignInRefused`, and another
    seat's extension `SignInRefused`, all before any screen opens."""
    outcomes = load_outcomes(settings.outcomes_file)
    engine = engine or open_console_engine(settings)
    reads = open_engines(settings, engine, connections=CONSOLE_CONNECTIONS)
    actor = signed_in or signin.by_os_account(engine, settings)
    extension = seat_extension(engine, actor, settings.extension) if actor else ""
    if actor is not None and actor.session_id is None:
        actor = signin.start(engine, settings, actor)
    set_language(_language(engine, settings, actor.username if actor else settings.operator))
    low_bandwidth = wanted(settings.low_bandwidth, settings.low_bandwidth_over_ssh, os.environ)
    context = ConsoleContext(
        engine=engine,
        operator=actor.username if actor else "",
        extension=extension,
        default_region=settings.default_region,
        data_dir=settings.data_dir,
        outcomes_file=settings.outcomes_file,
        role=actor.role if actor else Role.OPERATOR,
        actor=actor,
        reader=reads.reader if reads.replicated else None,
        **({"search_settle_s": LOW_BANDWIDTH_SEARCH_SETTLE_S} if low_bandwidth else {}),
    )
    notice = "" if actor or settings.signin == "password" else signin.why_no_os_sign_in()
    rules = SeatRules(
        settings.operator,
        settings.extension,
        settings.idle_lock_minutes * 60,
        signin.lifetime(settings),
        notice,
        settings.floor_wrapup_too_long_seconds,
    )
    app = CallpopApp(context, outcomes, rules)
    app.forced_session = settings.forced_session
    app.low_bandwidth = low_bandwidth
    register_themes(app)
    choose_theme(app, settings.theme)
    return app
