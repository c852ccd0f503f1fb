"""Escape that leaves a screen as the key is read, so the keys typed behind it reach the screen
the operator goes back to.

Over SSH one read often holds "Escape R o m a". A screen's ordinary Escape binding runs only once
the key has bubbled up from the focused widget, and by then that widget (a table, a form field)
has taken the keys behind it: the search typed for the lookup went into the queue's table or the
form being cancelled. A priority binding runs as the app reads the key; it stands aside while the
focused widget has an Escape of its own (an open Select's list closes on Escape and must win).
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen


def back_key(action: str, description: str, binding_id: str) -> Binding:
    """The Escape binding of a screen that leaves on Escape (with `EscapeLeaves`)."""
    return Binding("escape", action, description, id=binding_id, priority=True)


def focused_keeps_escape(screen: Screen[object]) -> bool:
    """Whether the focused widget, or a widget around it inside `screen`, binds Escape itself."""
    node: DOMNode | None = screen.focused
    while node is not None and node is not screen:
        if "escape" in node._bindings.key_to_bindings:  # Textual's own map of a node's bindings
            return True
        node = node.parent
    return False


class EscapeLeaves:
    """For a Screen whose `back_key` runs `LEAVE_ACTION`: the binding is off while the focused
    widget keeps Escape, so the key goes to that widget as any other key would."""

    LEAVE_ACTION: ClassVar[str] = "back"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == self.LEAVE_ACTION and isinstance(self, Screen) and focused_keeps_escape(self):
            return False
        return True
