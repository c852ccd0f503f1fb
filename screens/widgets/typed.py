"""Text fields that apply a burst of keys in the order typed.

Over SSH one read often holds several keys: a correction ("rossu", Backspace, "i"), a move to the
next field ("Anna", Tab, "Rossi"), a pick from the results ("Down Down Enter"). The app hands every
key of the read to the field focused when it reads them. Textual's Input and TextArea insert a
character as they take its key, but every other key (Backspace, the arrows, End, Tab, the screen's
keys) acts only once it has bubbled up to the app, by which time the field has inserted the
characters typed after it: the box said "rossui", "AnnaRossi" stayed in one field, End came after
the digit it was meant to precede. These fields act on each key as they take it, in order, and
pass on the keys that arrive after a key before them moved the focus away. Every text field in the
console is one of them.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Input, TextArea


async def take_in_order(field: Widget, event: events.Key, *, inserts: bool) -> None:
    """What `field` does with `event` before its own handler: a key for a field that no longer has
    the focus goes to the one that has; a key it does not insert (`inserts`) and has no `key_`
    method for runs its binding now (its own, its screen's or the app's, as bubbling would)."""
    app = field.app
    if app.focused is not field:
        (app.focused or app.screen).post_message(events.Key(event.key, event.character))
    elif inserts or hasattr(field, f"key_{event.name}"):
        return
    elif not await app._check_bindings(event.key):  # Textual's own walk from the focused widget up
        return
    event.stop()
    event.prevent_default()  # the field's own key handling must not act on it as well


class TypedInput(Input):
    """An Input that takes a burst of keys in the order typed."""

    async def _on_key(self, event: events.Key) -> None:
        await take_in_order(self, event, inserts=event.is_printable)


class TypedTextArea(TextArea):
    """A TextArea that takes a burst of keys in the order typed (Enter is a new line)."""

    async def _on_key(self, event: events.Key) -> None:
        own = ("enter", "tab", "escape") if self.tab_behavior == "indent" else ("enter",)
        await take_in_order(self, event, inserts=event.is_printable or event.key in own)
