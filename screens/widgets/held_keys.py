"""Keys typed before a screen is ready, kept in order and given to it once it is.

An operator presses `w` and types the reason, the outcome and the note at once, before the
wrap-up has read its outcomes and the call from the database. With nothing focused, Textual hands
those keys to the screen; the screen holds them here (its bindings too, so Escape or ctrl+s typed
early still act after the keys typed before them) and replays them to the widget that gets focus.
A key typed before that moment but reaching the screen after it goes the same way.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widget import Widget


class HeldKeys:
    """A screen's early keys: `route` every key that reaches the screen itself, `replay` when ready."""

    def __init__(self) -> None:
        self._keys: list[events.Key] = []
        self._ready_at: float | None = None

    def route(self, event: events.Key, focused: Widget | None) -> None:
        """Keep `event` while the screen is loading; one typed before it was ready goes to `focused`."""
        if self._ready_at is None:
            self._keys.append(event)
        elif focused is not None and event.time < self._ready_at:
            focused.post_message(_copy(event))
        else:
            return
        event.stop()
        event.prevent_default()

    def replay(self, target: Widget) -> None:
        """The screen is ready and `target` has focus: give it the held keys, in the order typed
        (widgets that hand keys on, like PickList, pass them to whatever has focus by then)."""
        self._ready_at = Message().time  # the clock that stamps key events
        keys, self._keys = self._keys, []
        for key in keys:
            target.post_message(_copy(key))


def _copy(event: events.Key) -> events.Key:
    """A fresh key event (stamped now, so coming back to the screen unhandled it stays there)."""
    return events.Key(event.key, event.character)
