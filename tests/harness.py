"""A bare app that hosts one screen with a console context, for testing a screen on its own.

The full console (`console.app.make_app`) is tested by the flow tests; a screen's own tests push
it here so they do not depend on the screens before it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from textual.app import App
from textual.screen import Screen

from screens.context import ConsoleContext


def seat(
    engine: Engine, data_dir: Path, *, operator: str = "anna", extension: str = "100", region: str = "IT"
) -> ConsoleContext:
    """A console context at a test seat whose local files live in `data_dir` (use tmp_path)."""
    return ConsoleContext(
        engine=engine, operator=operator, extension=extension, default_region=region, data_dir=data_dir
    )


class ScreenHarness(App[None]):
    """Pushes `screen` on mount; `app.context` is what screens read through `context_of`."""

    def __init__(self, context: ConsoleContext, screen: Screen[object]) -> None:
        super().__init__()
        self.context = context
        self._first_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self._first_screen)
