"""An option list that applies a burst of keys in the order they were typed.

Textual routes each key to the widget focused when the key is dispatched, and runs priority
bindings before keys already queued. Over SSH, "down down enter" arrives in one read: a screen
binding on Enter would pick before the two Downs moved the highlight, and keys typed after the
Enter would land in the list instead of the next field. So this list moves and picks inside its
own key handling, calls `on_pick` at once (the screen moves focus there and then), and hands any
key that reaches it after it lost focus to the widget that has it now.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.widgets import OptionList

_MOVES = {
    "down": OptionList.action_cursor_down,
    "up": OptionList.action_cursor_up,
    "home": OptionList.action_first,
    "end": OptionList.action_last,
    "pagedown": OptionList.action_page_down,
    "pageup": OptionList.action_page_up,
}


class PickList(OptionList):
    """Up/Down/Home/End/PgUp/PgDn move, Enter calls `on_pick(list, option_id)`."""

    def __init__(self, *, on_pick: Callable[[PickList, str], None], id: str | None = None) -> None:
        super().__init__(id=id, compact=True)
        self._on_pick = on_pick

    async def _on_key(self, event: events.Key) -> None:
        focused = self.screen.focused
        if focused is not self:
            event.stop()
            event.prevent_default()
            if focused is not None:
                handed = events.Key(event.key, event.character)
                handed._set_forwarded()  # already through the app's priority bindings once
                focused.post_message(handed)
            return
        move = _MOVES.get(event.key)
        if move is not None:
            event.stop()
            event.prevent_default()
            move(self)
        elif event.key == "enter":
            event.stop()
            event.prevent_default()
            self.action_select()
        else:
            await super()._on_key(event)

    def action_select(self) -> None:
        """Enter or a click: pick the highlighted option now, not in a later message."""
        if self.highlighted is not None:
            self._on_pick(self, self.get_option_at_index(self.highlighted).id or "")
