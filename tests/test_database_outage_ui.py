"""A database that does not answer never closes the console: the operator is told, and keeps
what is on the screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from console.app import make_app
from console.config import Settings
from screens.lookup import LookupScreen
from store.db import make_engine

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


async def _until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    for _ in range(500):
        await pilot.pause(0.02)
        if condition():
            return
    raise AssertionError(f"timed out on {pilot.app.screen!r}")


async def test_search_against_an_unreachable_database_tells_the_operator(tmp_path: Path) -> None:
    """Regression: a search while PostgreSQL was down raised inside the worker and closed the
    console. You should see an error toast, the lookup still open and the query still typed."""
    settings = Settings(operator="anna", extension="100", default_region="IT", data_dir=tmp_path)
    app = make_app(settings, engine=make_engine(UNREACHABLE))
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await pilot.press(*"rossi")
        await _until(pilot, lambda: any("Database unavailable while searching" in str(n.message)
                                        for n in app._notifications))  # fmt: skip
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.query_one("#query", Input).value == "rossi"
        assert app.is_running


async def test_profile_against_an_unreachable_database_keeps_the_console_up(tmp_path: Path) -> None:
    """Regression: opening a profile while the database was down closed the console (the load
    worker and the live-refresh worker raised). You should see a toast and the console running."""
    from screens.messages import OpenProfile
    from screens.profile import ProfileScreen

    settings = Settings(operator="anna", extension="100", default_region="IT", data_dir=tmp_path)
    app = make_app(settings, engine=make_engine(UNREACHABLE))
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, LookupScreen))
        app.post_message(OpenProfile(1))
        await _until(pilot, lambda: any("while loading the profile" in str(n.message)
                                        for n in app._notifications))  # fmt: skip
        await pilot.pause(1.5)  # the live-refresh worker has retried at least once by now
        assert isinstance(app.screen, ProfileScreen) and app.is_running
