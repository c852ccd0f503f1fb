"""A database that does not answer never closes the console: the operator is told, and keeps
what is on the screen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import Input

from console.app import CallpopApp
from screens.lookup import LookupScreen
from store.db import make_engine
from tests.harness import console, until

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


def _signed_in_then_down(engine: Engine, down: Engine, data_dir: Path) -> CallpopApp:
    """A console signed in while the database answered, which then stops answering."""
    app = console(engine, data_dir)
    app.context = replace(app.context, engine=down)
    return app


async def test_search_against_an_unreachable_database_tells_the_operator(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: a search while PostgreSQL was down raised inside the worker and closed the
    console. You should see an error toast, the lookup still open and the query still typed."""
    app = _signed_in_then_down(sqlite_engine, make_engine(UNREACHABLE), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await pilot.press(*"rossi")
        await until(pilot, lambda: any("Database unavailable while searching" in str(n.message)
                                        for n in app._notifications))  # fmt: skip
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.query_one("#query", Input).value == "rossi"
        assert app.is_running


async def test_profile_against_an_unreachable_database_keeps_the_console_up(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: opening a profile while the database was down closed the console (the load
    worker and the live-refresh worker raised). You should see a toast and the console running."""
    from screens.messages import OpenProfile
    from screens.profile import ProfileScreen

    engine = make_engine(UNREACHABLE)
    attempts: list[int] = []
    sa.event.listen(engine, "do_connect", lambda *_args, **_kw: attempts.append(1))
    app = _signed_in_then_down(sqlite_engine, engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        app.post_message(OpenProfile(1))
        await until(pilot, lambda: any("while loading the profile" in str(n.message)
                                        for n in app._notifications))  # fmt: skip
        seen = len(attempts)
        await until(pilot, lambda: len(attempts) > seen + 1)  # the console's change feed retries, alive
        assert isinstance(app.screen, ProfileScreen) and app.is_running


async def test_broken_local_drafts_file_is_a_toast_not_a_crash(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: the local drafts file failing (here: the data dir is a file, as with a full or
    read-only disk) closed the console at start. You should see a toast and the lookup."""
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("not a directory", encoding="utf-8")
    app = console(sqlite_engine, not_a_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: any("local drafts file" in str(n.message) for n in app._notifications))
        assert isinstance(app.screen, LookupScreen) and app.is_running
