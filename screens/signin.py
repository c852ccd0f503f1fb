"""The sign-in screen: username and password, checked in a worker (argon2 takes ~50 ms).

`--operator` / CALLPOP_OPERATOR only pre-fill the username; nothing is granted until the password
matches the operator row. Success opens a console session and posts `SignedIn`; the console app
then builds the seat from the signed-in row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from screens.context import context_of
from screens.i18n import _, said_error
from screens.language import LanguageChanged
from screens.outage import database_guard
from screens.widgets.footer import Footer
from screens.widgets.typed import TypedInput
from store import sessions
from store.identity import SignInRefused, authenticate, seat_extension
from store.policy import Actor


@dataclass
class SignedIn(Message):
    """`actor` proved who they are; the console listens at `extension` (empty: none)."""

    actor: Actor
    extension: str


class SignInScreen(Screen[None]):
    """Username + password. Errors never say which of the two was wrong."""

    CSS_PATH = "signin.tcss"

    def __init__(
        self, *, username: str = "", extension: str = "", lifetime: timedelta, notice: str = ""
    ) -> None:
        super().__init__()
        self._username, self._extension, self._lifetime, self._notice = username, extension, lifetime, notice

    def compose(self) -> ComposeResult:
        with Vertical(id="signin-box"):
            yield Static(_("callpop: sign in"), id="signin-title")
            yield TypedInput(value=self._username, placeholder=_("username"), id="username", max_length=64)
            yield TypedInput(placeholder=_("password"), password=True, id="password", max_length=256)
            yield Button(_("Sign in"), variant="primary", id="signin-go")
            yield Label(self._notice, id="signin-message", markup=False)
        yield Footer()

    @on(LanguageChanged)
    def _relabel(self) -> None:
        self.query_one("#signin-title", Static).update(_("callpop: sign in"))
        self.query_one("#username", Input).placeholder = _("username")
        self.query_one("#password", Input).placeholder = _("password")
        self.query_one("#signin-go", Button).label = _("Sign in")

    def on_mount(self) -> None:
        self.query_one("#password" if self._username else "#username", Input).focus()

    @on(Input.Submitted, "#username")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#signin-go")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username or not password:
            self._say(_("Type your username and your password."))
            return
        self._say(_("Checking…"))
        self.query_one("#signin-go", Button).disabled = True
        self._check(username, password)

    def _say(self, text: str) -> None:
        self.query_one("#signin-message", Label).update(text)

    @work(thread=True, exclusive=True, group="signin")
    def _check(self, username: str, password: str) -> None:
        engine = context_of(self.app).engine
        with database_guard(self, _("signing in")):
            try:
                actor = authenticate(engine, username, password)
                extension = seat_extension(engine, actor, self._extension)
            except SignInRefused as refused:
                self.app.call_from_thread(self._refused, said_error(refused))
                return
            actor = sessions.start(engine, actor, method="password", lifetime=self._lifetime)
            self.post_message(SignedIn(actor, extension))
            return
        self.app.call_from_thread(self._refused, _("The database did not answer: try again."))

    def _refused(self, text: str) -> None:
        self._say(text)
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
        self.query_one("#signin-go", Button).disabled = False
