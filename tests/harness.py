"""A bare app that hosts one screen with a console context, for testing a screen on its own.

The full console (`console.app.make_app`) is tested by the flow tests; a screen's own tests push
it here so they do not depend on the screens before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from console.app import CallpopApp, make_app
from console.config import Settings
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


def console(engine: Engine, data_dir: Path, *, operator: str = "anna", extension: str = "100") -> CallpopApp:
    """The real console (the one `callpop run` opens) at a test seat on `engine`."""
    settings = Settings(operator=operator, extension=extension, default_region="IT", data_dir=data_dir)
    return make_app(settings, engine=engine)


async def until(pilot: Pilot[None], condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds. Polling, because the console's long-lived
    workers (pop watcher, live refresh) never complete, so `workers.wait_for_complete` cannot."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out on {pilot.app.screen!r}"
        await pilot.pause(0.02)
