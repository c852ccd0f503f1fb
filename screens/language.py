"""Switching the console's language while it runs: the palette's "Language: …" commands, and the
message every screen hears so it re-renders its text (screens.i18n holds the catalogues).

A screen or widget whose text is built once (compose, on_mount) handles `LanguageChanged` by
rebuilding that text: every node of every open screen hears it, so a reusable widget relabels
itself wherever it sits. Binding descriptions need nothing, the footer re-renders them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.message import Message

from screens.i18n import N_, _, current_language, languages, native_name, set_language

TEXTUAL_COMMANDS = (
    N_("Theme"), N_("Change the current theme"), N_("Quit the application as soon as possible"),
    N_("Keys"), N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"), N_("Minimize the widget and restore to normal size"),
    N_("Maximize"), N_("Maximize the focused widget"),
    N_("Screenshot"), N_("Save an SVG 'screenshot' of the current screen"),
)  # fmt: skip
"""Textual's own palette commands, so the catalogues have them (`translated_system_commands`)."""


@dataclass
class ChooseLanguage(Message):
    """The operator picked `language` in the palette: the app switches and remembers it."""

    language: str


@dataclass
class LanguageChanged(Message, bubble=False):
    """The console now speaks `language`: re-render text built in that language. Sent to each
    node on its own, so it does not bubble (a screen would hear it once per child)."""

    language: str


def apply_language(app: App[Any], language: str | None) -> str:
    """Switch to `language` without a restart: every screen on the stack, and every widget on
    them, re-renders its text, and every footer its keys. Returns the language chosen (English
    for one without a catalogue)."""
    chosen = set_language(language)
    for screen in app.screen_stack:
        for node in screen.walk_children(with_self=True):
            node.post_message(LanguageChanged(chosen))
        screen.refresh_bindings()
    app.post_message(LanguageChanged(chosen))
    return chosen


def translated_system_commands(commands: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    """Textual's palette commands (Theme, Keys, Quit ...) in the console's language."""
    for command in commands:
        yield command._replace(title=_(command.title), help=_(command.help))


class LanguageCommands(Provider):
    """ "Language: Italiano", one per catalogue, named in the language itself so an operator who
    reads none of the current one still finds theirs; "Language" in English matches too."""

    def _commands(self) -> list[tuple[str, str, str]]:
        """(shown name, English name, language) for every language but the current one."""
        word = _("Language")
        return [
            (f"{word}: {native_name(language)}", f"Language: {native_name(language)}", language)
            for language in languages()
            if language != current_language()
        ]

    def _choose(self, language: str) -> partial[bool]:
        return partial(self.app.post_message, ChooseLanguage(language))

    async def discover(self) -> Hits:
        for name, _english, language in self._commands():
            yield DiscoveryHit(Content(name), self._choose(language), text=name, help=self._help(language))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, english, language in self._commands():
            score = max(matcher.match(name), matcher.match(english))
            if score > 0:
                yield Hit(score, Content(name), self._choose(language), text=name, help=self._help(language))

    def _help(self, language: str) -> str:
        return _("Switch the console to {language}").format(language=native_name(language))
