"""What the console refuses inside a forced SSH session: every way out to the server.

An operator reaching callpop through `ForceCommand` must not get a shell, an editor, a browser or
a file write on the server: no suspend (the shell that started callpop would take over), no
screenshot (an SVG written to a path), no delivered file, no URL opened by a process on the
server. Quitting ends the process and with it the SSH session. The palette keeps only the
commands known to stay inside the console, so a command a future Textual adds is out until it
is looked at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from textual.app import App, SuspendNotSupported, SystemCommand
from textual.screen import Screen

from screens.i18n import _

SAFE_SYSTEM_COMMANDS = frozenset({"Theme", "Quit", "Keys", "Minimize", "Maximize"})
"""Textual's palette commands (by their English titles) a forced session keeps."""


class SessionLockedApp(App[None]):
    """The console's base: with `forced_session` set, the escapes to the server are refused."""

    forced_session: bool = False
    """Set by the app factory from the settings (`CALLPOP_FORCED_SESSION`, SSH_ORIGINAL_COMMAND)."""

    def _refuse(self, what: str) -> None:
        text = _("{what} is not available in this session.").format(what=what)
        self.notify(text, severity="warning", markup=False)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        commands = super().get_system_commands(screen)
        return _safe(commands) if self.forced_session else commands

    def action_suspend_process(self) -> None:
        if self.forced_session:
            return self._refuse(_("Suspending"))
        return super().action_suspend_process()

    @contextmanager
    def suspend(self) -> Iterator[None]:
        if self.forced_session:
            raise SuspendNotSupported("no shell or editor in a forced session")
        with super().suspend():
            yield

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        if self.forced_session:
            return self._refuse(_("Saving a screenshot"))
        return super().action_screenshot(filename, path)

    def save_screenshot(self, *args: Any, **kwargs: Any) -> str:
        if self.forced_session:
            raise PermissionError("no files are written in a forced session")
        return super().save_screenshot(*args, **kwargs)

    def deliver_screenshot(self, *args: Any, **kwargs: Any) -> str | None:
        if self.forced_session:
            self._refuse(_("Saving a screenshot"))
            return None
        return super().deliver_screenshot(*args, **kwargs)

    def deliver_text(self, *args: Any, **kwargs: Any) -> str | None:
        if self.forced_session:
            self._refuse(_("Saving a file"))
            return None
        return super().deliver_text(*args, **kwargs)

    def deliver_binary(self, *args: Any, **kwargs: Any) -> str | None:
        if self.forced_session:
            self._refuse(_("Saving a file"))
            return None
        return super().deliver_binary(*args, **kwargs)

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        if self.forced_session:
            return self._refuse(_("Opening a link"))
        return super().open_url(url, new_tab=new_tab)


def _safe(commands: Iterable[SystemCommand]) -> Iterator[SystemCommand]:
    return (command for command in commands if command.title in SAFE_SYSTEM_COMMANDS)
