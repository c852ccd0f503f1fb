"""A key bar: the keys a compact `Footer` shows, drawn as one line of text, for the screens that
must open fast (the customer 360, the ticket queue).

Textual's `Footer` is a widget per key (about fifteen on the profile), rebuilt and restyled every
time the bindings change, and they change two or three times while a screen opens (mount, focus,
stack). On the customer 360 that was a third of the time to pop; on the ticket queue, a third of
its first paint. This is one `Static` redrawn at most
once per refresh; it shows the same keys (groups like "1 2 3 4 5 Tabs", disabled keys dimmed,
the command palette key on the right), each description in the console's language, and a click
on a key presses it.
"""

from __future__ import annotations

from itertools import groupby

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from screens.i18n import _

Piece = tuple[str, str | Style, str | None]
"""Text, its style and the key a click on it presses (None: not a key)."""


class KeyBar(Static):
    """One line at the bottom listing the active bindings that have `show=True`."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(markup=False, id=id)
        self._pending = False
        self._spans: list[tuple[int, int, str]] = []
        """(start, end, key) of each key on the line, for clicks."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self._redraw()

    def _bindings_changed(self, screen: Screen[object]) -> None:
        """Redraw once after the refresh, however many changes came in before it."""
        if not self._pending and screen is self.screen:
            self._pending = True
            self.call_after_refresh(self._redraw)

    def _redraw(self) -> None:
        self._pending = False
        if not self.is_attached:  # removed with its screen before the refresh came
            return
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        text_style = self.get_component_rich_style("key-bar--description", partial=True)
        active = self.screen.active_bindings
        by_action: dict[str, tuple[Binding, bool]] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show:
                by_action.setdefault(binding.action, (binding, enabled))
        items: list[list[Piece]] = []
        """One entry per key, or per group of keys ("1 2 3 4 5 Tabs")."""
        for group, members in groupby(by_action.values(), lambda item: item[0].group):
            shown = list(members)
            keys = [(self.app.get_key_display(b), key_style if on else "dim", b.key) for b, on in shown]
            digits = [b.key for b, _on in shown]
            if group is not None and len(shown) > 2 and "".join(digits) in "0123456789":
                # "1-5 Tabs": a run of number keys in three characters, so the bar fits 80 columns
                run = (f"{digits[0]}-{digits[-1]}", key_style, digits[0])
                items.append([run, (" ", "", None), (_(group.description), text_style, None)])
            elif group is not None and len(shown) > 1:
                items.append(
                    [
                        *(p for key in keys for p in (key, (" ", "", None))),
                        (_(group.description), text_style, None),
                    ]
                )
            else:
                for key, (binding, enabled) in zip(keys, shown, strict=True):
                    items.append(
                        [key, (f" {_(binding.description)}", text_style if enabled else "dim", None)]
                    )
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        right: list[Piece] = []
        if self.app.ENABLE_COMMAND_PALETTE and palette is not None:
            key = (self.app.get_key_display(palette[1]), key_style, palette[1].key)
            right = [("▏", "dim", None), key, (f" {_(palette[1].description)}", text_style, None)]
        self._draw(items, right)

    def _draw(self, items: list[list[Piece]], right: list[Piece]) -> None:
        """Two spaces between keys when they fit with the right part, else one; the right part is
        dropped when even that is too wide, then the last keys (the console's own, after the
        screen's), whole, never cut in the middle."""
        width = self.content_size.width
        needed = (
            1 + sum(len(text) for item in items for text, _, _ in item) + sum(len(t) for t, _, _ in right)
        )
        gap = "  " if needed + 2 * len(items) <= width else " "
        left = needed - sum(len(t) for t, _, _ in right)
        while items and left + len(items) > width:  # a key that does not fit is left out whole
            left -= sum(len(text) for text, _, _ in items.pop())
        pieces: list[Piece] = [(" ", "", None)]
        for item in items:
            pieces.extend([*item, (gap, "", None)])
        room = width - sum(len(text) for text, _, _ in pieces) - sum(len(t) for t, _, _ in right)
        if right and room >= 0:
            pieces.extend([(" " * room, "", None), *right])
        text, self._spans = Text(no_wrap=True, overflow="ellipsis"), []
        for piece, style, key in pieces:
            if key is not None:
                self._spans.append((len(text), len(text) + len(piece), key))
            text.append(piece, style=style)
        self.update(text)

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
