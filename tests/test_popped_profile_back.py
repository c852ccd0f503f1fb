"""Escape from a profile opened by a ring goes to a lookup for this call, not the last caller's search,
and the closed profile is freed between calls."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from sqlalchemy.engine import Engine
from textual.dom import DOMNode
from textual.widgets import Input

from screens.lookup import LookupScreen
from screens.messages import OpenProfile
from screens.profile import ProfileScreen
from tests.factories import make_customer
from tests.harness import console, until


async def _lookup_query(app) -> str:  # type: ignore[no-untyped-def]
    return app.screen.query_one("#query", Input).value


async def test_escape_from_a_popped_profile_clears_the_previous_search(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: Esc from the profile a ring popped showed the lookup still searching the previous
    caller. You should see an empty lookup; a search made during this call is kept."""
    rossi = make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    bianchi = make_customer(sqlite_engine, "Luca", "Bianchi", phones=("+390698765432",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await pilot.press(*"rossi")  # the previous caller, looked up by hand
        await until(pilot, lambda: app.screen.query_one("#results").row_count == 1)  # type: ignore[attr-defined]

        app.post_message(OpenProfile(bianchi.id or 0, call_id="ring-2"))  # what a ring's pop posts
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        assert await _lookup_query(app) == ""

        await pilot.press(*"rossi", "enter")  # during ring-2, the operator searches and opens someone
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
        assert app.screen.customer_id == rossi.id  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        assert await _lookup_query(app) == "rossi"


async def test_a_closed_profile_is_collected_before_the_next_call(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Its widgets are reference cycles: left to the automatic collector they pile up until a full
    collection over all of them lands in a later pop's paint. Automatic collection is off here, so
    only the screen's own collection after it closes can free it."""
    customer = make_customer(sqlite_engine, "Luca", "Bianchi", phones=("+390698765432",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        gc.disable()
        try:
            app.post_message(OpenProfile(customer.id or 0, call_id="ring-1"))
            await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
            closed = weakref.ref(app.screen)
            await pilot.press("escape")
            await until(pilot, lambda: closed() is None)
        finally:
            gc.enable()


async def test_a_popped_profile_is_styled_once(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Mounting styles every widget; the screen's first resume used to restyle the whole screen
    again (a few ms of every pop)."""
    customer = make_customer(sqlite_engine, "Luca", "Bianchi", phones=("+390698765432",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        restyled: list[DOMNode] = []
        update_styles = app.update_styles

        def recording(node: DOMNode, animate: bool = True) -> None:
            restyled.append(node)
            update_styles(node, animate=animate)

        app.update_styles = recording  # type: ignore[method-assign]
        app.post_message(OpenProfile(customer.id or 0, call_id="ring-1"))
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
        assert app.screen not in restyled
