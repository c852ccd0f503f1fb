"""The profile's commands in the palette (ctrl+p): open a ticket, edit contact, returned mail.

Ticket subjects are customer text, so every hit is displayed as plain `Content`. The provider
asks the screen it was opened on for `palette_commands()`, so it needs no import of the profile
screen (which lists this provider in its COMMANDS).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content


class ProfileCommands(Provider):
    """ "Open ticket …" for each loaded ticket, "Edit contact", "Mark address undeliverable"."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = self.screen
        return screen.palette_commands() if hasattr(screen, "palette_commands") else []

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(Content(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:  # Content(name), not matcher.highlight: that parses the subject as markup
                yield Hit(score, Content(name), partial(callback), text=name, help=help_text)
