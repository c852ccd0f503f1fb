"""The lock screen: a full screen over the console, so no customer data stays visible.

It covers the screens below it (an open wrap-up keeps its place and its draft) until the
signed-in operator types their password. When the session itself has ended (expired, or an admin
ended it), the password also opens a new session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from screens.context import context_of
from screens.i18n import _, said_error
from screens.language import LanguageChanged
from screens.outage import database_guard
from screens.widgets.footer import Footer
from screens.widgets.typed import TypedInput
from store import sessions
from store.identity import SignInRefused, authenticate, operator_row
from store.policy import Actor


@dataclass
class Unlocked(Message):
    """The operator is back; `actor` carries the session (a new one if the old had ended)."""

    actor: Actor


class LockScreen(Screen[None]):
    """Password to come back; ctrl+q still quits (an open wrap-up is kept as a draft)."""

    CSS_PATH = "signin.tcss"
    BINDINGS = [Binding("escape", "ignore", show=False), Binding("f1", "ignore", show=False)]

    def __init__(self, actor: Actor, *, why: str, new_session: timedelta | None = None) -> None:
        super().__init__()
        self._actor, self._why, self._new_session = actor, why, new_session

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-box"):
            yield Static(self._title(), id="lock-title", markup=False)
            yield Label(self._why, id="lock-why", markup=False)
            yield TypedInput(placeholder=_("password"), password=True, id="lock-password", max_length=256)
            yield Label("", id="lock-message", markup=False)
        yield Footer()

    def _title(self) -> str:
        return _("callpop is locked ({username})").format(username=self._actor.username)

    @on(LanguageChanged)
    def _relabel(self) -> None:
        self.query_one("#lock-title", Static).update(self._title())
        self.query_one("#lock-password", Input).placeholder = _("password")

    def on_mount(self) -> None:
        self.query_one("#lock-password", Input).focus()
        self._tell_if_no_password()

    @work(thread=True, group="unlock-hint")
    def _tell_if_no_password(self) -> None:
        """An OS-account operator without a password cannot unlock: say what to do instead."""
        with database_guard(self, _("reading the operator")):
            row = operator_row(context_of(self.app).engine, self._actor.username)
            if row is not None and not row.password_hash:
                text = _(
                    "No password is set for {username}: an admin runs "
                    "`callpop operators passwd {username}`. ctrl+q quits; an open "
                    "wrap-up is kept as a draft and reopens at the next start."
                ).format(username=self._actor.username)
                self.app.call_from_thread(self.query_one("#lock-message", Label).update, text)

    def action_ignore(self) -> None:
        """Navigation keys do nothing while locked."""

    @on(Input.Submitted, "#lock-password")
    def _submit(self, event: Input.Submitted) -> None:
        if not event.value:
            return
        self.query_one("#lock-message", Label).update(_("Checking…"))
        self._check(event.value)

    @work(thread=True, exclusive=True, group="unlock")
    def _check(self, password: str) -> None:
        engine = context_of(self.app).engine
        with database_guard(self, _("unlocking")):
            try:
                actor = authenticate(engine, self._actor.username, password)
            except SignInRefused as refused:
                self.app.call_from_thread(self._refused, said_error(refused))
                return
            if self._new_session is not None:
                actor = sessions.start(engine, actor, method="password", lifetime=self._new_session)
            else:
                actor = self._actor
            self.post_message(Unlocked(actor))
            return
        self.app.call_from_thread(self._refused, _("The database did not answer: try again."))

    def _refused(self, text: str) -> None:
        self.query_one("#lock-message", Label).update(text)
        box = self.query_one("#lock-password", Input)
        box.value = ""
        box.focus()
