"""Handle time since the answer and the after-call-work (ACW) clock, ticking once a second.

A time-boxed wrap-up learns that its ACW time is up from this tick (`CallTimer.TimeUp`), not from
a timer armed for the whole ACW time: a stopped asyncio timer stays scheduled, holding its closed
screen, until its original time (a floor's console kept several finished wrap-ups that way)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.message import Message
from textual.widgets import Static

from screens.i18n import _
from store.timeutil import utcnow


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class CallTimer(Static):
    """Shows "Handle 04:12  ACW 00:35/02:00". The limit appears when the wrap-up is time-boxed,
    and the ACW clock turns to a warning in its last 15 seconds."""

    class TimeUp(Message):
        """The time-boxed ACW clock reached its limit (once per `start`)."""

    DEFAULT_CSS = """
    CallTimer { width: auto; }
    CallTimer.-late { color: $warning; text-style: bold; }
    """

    def __init__(
        self,
        *,
        acw_limit: int | None = None,
        clock: Callable[[], datetime] = utcnow,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._acw_started = clock()
        self._answered: datetime | None = None
        self.acw_limit = acw_limit
        self._time_up_said = False

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1, self.tick)

    def start(self, answered_at: datetime, acw_started_at: datetime) -> None:
        """Set the two clocks' origins (known once the call row or the draft is read)."""
        self._answered, self._acw_started = answered_at, acw_started_at
        self._time_up_said = False
        self.tick()

    def acw_seconds(self) -> float:
        return (self.clock() - self._acw_started).total_seconds()

    def tick(self) -> None:
        now = self.clock()
        handle = _clock((now - self._answered).total_seconds()) if self._answered else "--:--"
        acw = _clock(self.acw_seconds())
        limit = f"/{_clock(self.acw_limit)}" if self.acw_limit else ""
        self.set_class(bool(self.acw_limit) and self.acw_seconds() >= (self.acw_limit or 0) - 15, "-late")
        self.update(Text(_("Handle {handle}  ACW {acw}").format(handle=handle, acw=acw + limit)))
        if self.acw_limit and not self._time_up_said and self.acw_seconds() >= self.acw_limit:
            self._time_up_said = True
            self.post_message(self.TimeUp())
