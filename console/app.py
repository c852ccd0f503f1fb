"""The console app: wires screens, bindings and theme. Screen logic lives in `screens/`."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from textual import on
from textual.app import App
from textual.binding import Binding

from console.config import Settings
from console.database import open_engine
from console.pop import start_pop_watcher
from screens.context import ConsoleContext
from screens.lookup import LookupScreen
from screens.messages import OpenLookup, OpenProfile, StartWrapUp, WrapUpFinished
from screens.profile import ProfileScreen
from screens.wrapup import WrapUpScreen


class CallpopApp(App[None]):
    """The operator console. Lookup is the home screen; profile and wrap-up stack above it."""

    TITLE = "callpop"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("f1", "lookup", "Lookup", id="lookup"),
    ]

    def __init__(self, context: ConsoleContext) -> None:
        super().__init__()
        self.context = context
        self.sub_title = f"{context.operator} @ ext {context.extension}"

    def on_mount(self) -> None:
        self.push_screen(LookupScreen())
        start_pop_watcher(self)

    def action_lookup(self) -> None:
        self.post_message(OpenLookup())

    @on(OpenLookup)
    def _open_lookup(self, message: OpenLookup) -> None:
        self._unwind_to_lookup()
        lookup = self.screen
        if isinstance(lookup, LookupScreen) and (message.prefill or message.notice or message.call_id):
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
    def _wrapup_finished(self, _message: WrapUpFinished) -> None:
        """The seat is free: back to an empty lookup, ready for the next caller."""
        self._unwind_to_lookup()
        if isinstance(self.screen, LookupScreen):
            self.screen.prefill("")

    def _unwind_to_lookup(self) -> None:
        while len(self.screen_stack) > 2 and not isinstance(self.screen, LookupScreen):
            self.pop_screen()


def make_app(settings: Settings, *, engine: Engine | None = None) -> CallpopApp:
    """The one app factory, used by `callpop run` and by the tests."""
    engine = engine or open_engine(settings)
    context = ConsoleContext(
        engine=engine,
        operator=settings.operator,
        extension=settings.extension,
        default_region=settings.default_region,
        data_dir=settings.data_dir,
        outcomes_file=settings.outcomes_file,
    )
    return CallpopApp(context)
