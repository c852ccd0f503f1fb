"""Every console screen's status line: mounted once per screen, told when what it shows changes."""

from __future__ import annotations

from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal

from console.app_wrapups import WrapUpDeskApp
from screens.widgets.status_line import StatusLine


class StatusLineApp(WrapUpDeskApp):
    """Adds the status line to each screen and publishes the changes it shows."""

    presence_state: reactive[str] = reactive("")
    """The console's presence (store.presence.PresenceState; console.presence decides it)."""

    def __init__(self) -> None:
        super().__init__()
        self.status_changed_signal: Signal[None] = Signal(self, "status-changed")
        """`open_wrapups`, `db_state` or `presence_state` changed (each screen's status line
        listens, and stops when its screen closes: `watch(app, ...)` kept a closed screen's line
        until that very reactive next changed, so `db_state` kept every line of a shift, #14)."""

    def _publish_status(self) -> None:
        self.status_changed_signal.publish(None)

    watch_open_wrapups = watch_db_state = watch_presence_state = _publish_status

    def _add_status_line(self, screen: Screen[object]) -> None:
        """Every console screen gets the status line, once (after it has composed)."""

        def add() -> None:
            if self.context.actor is not None and not screen.query(StatusLine):
                seat = self.context
                screen.mount(
                    StatusLine(operator=seat.operator, extension=seat.extension, mode=self.outcomes.mode)
                )

        screen.call_later(add)
