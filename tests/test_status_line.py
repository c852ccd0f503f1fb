"""The status line on every console screen is freed with its screen (issue #14: a console's
memory over a shift)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import cast

from sqlalchemy.engine import Engine

from screens.lookup import LookupScreen
from screens.messages import OpenProfile
from screens.profile import ProfileScreen
from screens.widgets.status_line import StatusLine
from tests.factories import make_customer
from tests.harness import console, until

PROFILES = 4


def _status_lines() -> int:
    gc.collect()
    return sum(isinstance(thing, StatusLine) for thing in gc.get_objects())


def _removed(screen: weakref.ref[ProfileScreen]) -> bool:
    """The closed screen has finished leaving (its removal runs after the lookup is back on top)."""
    closed = screen()
    return closed is None or not closed.is_running


async def test_a_closed_screens_status_line_is_freed(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression (issue #14): each status line watched the app's `db_state`, and Textual keeps a
    watcher until that reactive next changes (almost never), so every screen of a shift stayed
    alive in its status line. You should see no more lines alive after four profiles opened and
    closed than after the first (give or take the last one's), and the first two freed."""
    customer = make_customer(sqlite_engine, "Maria", "Rossi")
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            pilot, lambda: isinstance(app.screen, LookupScreen) and bool(app.screen.query(StatusLine))
        )
        lines: list[weakref.ref[StatusLine]] = []
        alive: list[int] = []
        for _ in range(PROFILES):
            app.post_message(OpenProfile(customer.id or 0))
            await until(
                pilot, lambda: isinstance(app.screen, ProfileScreen) and bool(app.screen.query(StatusLine))
            )
            lines.append(weakref.ref(app.screen.query_one(StatusLine)))
            profile = weakref.ref(cast(ProfileScreen, app.screen))
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, LookupScreen))
            await until(pilot, lambda profile=profile: _removed(profile))
            await pilot.pause()
            alive.append(_status_lines())
        # the lookup's line and the last profile's (a closed profile may linger till the next opens)
        assert max(alive) <= alive[0] + 1
        assert [line() for line in lines[: PROFILES - 2]] == [None] * (PROFILES - 2)
        app.db_state = "unavailable"  # the line that is left still follows the app
        await until(pilot, lambda: "unavailable" in str(app.screen.query_one(StatusLine).render()))
