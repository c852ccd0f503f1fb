"""A closed screen's TextArea is freed by the console (issue #14: a console's memory over a shift)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from sqlalchemy.engine import Engine
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import TextArea

from console.closed_watchers import forget_closed_watchers
from tests.harness import console, push_on_console, until

SCREENS = 4


class _Notes(Screen[object]):
    def compose(self) -> ComposeResult:
        yield TextArea()


def _text_areas() -> int:
    gc.collect()
    return sum(isinstance(thing, TextArea) for thing in gc.get_objects())


async def test_a_closed_screens_text_area_is_freed_by_the_console(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression (issue #14): every TextArea watches the app's theme, and Textual keeps the watch
    until the theme changes (never, in a console), so each wrap-up's notes stayed alive for the
    shift. You should see no more TextAreas alive after four screens with one closed than after
    the first (give or take the last one's), and the first two freed."""
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        areas: list[weakref.ref[TextArea]] = []
        alive: list[int] = []
        for _ in range(SCREENS):
            await push_on_console(pilot, app, _Notes())
            await pilot.pause()
            areas.append(weakref.ref(app.screen.query_one(TextArea)))
            app.pop_screen()
            await until(pilot, lambda: not isinstance(app.screen, _Notes))
            await pilot.pause()
            alive.append(_text_areas())
        assert max(alive) <= alive[0] + 1
        assert [area() for area in areas[: SCREENS - 2]] == [None] * (SCREENS - 2)


async def test_a_watcher_of_an_open_widget_is_kept() -> None:
    """The pruning keeps the watchers of widgets still open: the TextArea on screen still hears
    the theme, and the one closed does not."""
    app = App[None]()
    async with app.run_test(size=(40, 10)) as pilot:
        await app.push_screen(_Notes())
        await pilot.pause()
        closed = app.screen.query_one(TextArea)
        app.pop_screen()
        await pilot.pause()
        await app.push_screen(_Notes())
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        await until(pilot, lambda: not closed.is_running)
        forget_closed_watchers(app)
        watching = [node for node, _callback in getattr(app, "__watchers")["theme"]]
        assert watching == [area]
