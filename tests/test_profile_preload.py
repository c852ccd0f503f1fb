"""A popped profile is read before its screen opens (screens.profile_preload): its first paint is
the loaded profile with its offers, the same screen the screen's own load paints, viewed once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.widgets import DataTable, Static

import screens.profile
from screens.profile import ProfileScreen
from screens.profile_preload import preload
from screens.widgets.offers_panel import OffersPanel
from screens.widgets.profile_header import ProfileHeader
from store.models import AuditRecord
from tests.harness import ScreenHarness, seat, until
from tests.test_profile_screen import TODAY, build_customer


def _views(engine: Engine, customer_id: int) -> int:
    query = sa.select(sa.func.count()).where(
        AuditRecord.customer_id == customer_id, AuditRecord.action == "customer.view"
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


async def _screenshot(app: ScreenHarness, screen: ProfileScreen, size: tuple[int, int]) -> str:
    """The painted profile at rest: the same screenshot twice in a row (a layout pass after the
    paint can still add a table's scrollbar; CI once caught one screen mid-way)."""
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        await until(pilot, lambda: not screen.query_one(OffersPanel).looking)
        shots = [app.export_screenshot()]
        for _ in range(50):
            await pilot.pause(0.05)
            shots.append(app.export_screenshot())
            if shots[-1] == shots[-2]:
                return shots[-1]
        raise AssertionError("the profile never came to rest")


HOSTILE_NAME = "[@click=app.quit]Mallory[/] Eve\x1b[2J\u202eexe"


@pytest.mark.parametrize(
    ("size", "name"), [((80, 24), "Maria Rossi"), ((120, 40), "Maria Rossi"), ((80, 24), HOSTILE_NAME)]
)
async def test_a_preloaded_profile_paints_what_the_screen_would_load(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int], name: str
) -> None:
    """You should see the same screen, to the cell, whether the profile was read before it opened
    (a pop) or by the screen itself (a lookup), a hostile name as plain text in both, and one
    audited view for each."""
    customer_id = build_customer(sqlite_engine, name)
    context = seat(sqlite_engine, tmp_path)
    loaded = ProfileScreen(customer_id, today=TODAY)
    itself = await _screenshot(ScreenHarness(context, loaded), loaded, size)
    assert _views(sqlite_engine, customer_id) == 1

    assert context.actor is not None
    preloaded = preload(context, context.actor, customer_id, call_id=None, today=TODAY)
    assert preloaded.profile is not None and preloaded.offers is not None
    popped = ProfileScreen(customer_id, today=TODAY, preloaded=preloaded)
    assert await _screenshot(ScreenHarness(context, popped), popped, size) == itself
    if name == HOSTILE_NAME:  # the markup shown as typed, not run
        assert "Mallory[/]" in itself
    assert _views(sqlite_engine, customer_id) == 2, "the preload is the view; the screen reads nothing more"


async def test_the_first_paint_of_a_preloaded_profile_is_the_loaded_one(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """You should never see "Loading…" or an empty offers panel on a popped profile: the first
    layout already has the header, the first tab's rows and the offers."""
    customer_id = build_customer(sqlite_engine)
    context = seat(sqlite_engine, tmp_path)
    assert context.actor is not None
    preloaded = preload(context, context.actor, customer_id, call_id=None, today=TODAY)
    first: list[tuple[str, int, int, int]] = []

    class Watched(ProfileScreen):
        CSS_PATH = str(Path(screens.profile.__file__).with_name("profile.tcss"))  # not tests/'s

        def on_mount(self) -> None:  # Textual runs ProfileScreen.on_mount as well
            self.screen_layout_refresh_signal.subscribe(self, self._first_layout, immediate=True)

        def _first_layout(self, _screen: object) -> None:
            if not first:
                header = self.query_one(ProfileHeader)
                holdings = self.query_one("#table-holdings", DataTable).row_count
                offers = self.query_one("#offer-table", DataTable).row_count
                first.append((str(header.render()), header.region.height, holdings, offers))

    screen = Watched(customer_id, today=TODAY, preloaded=preloaded)
    app = ScreenHarness(context, screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await asyncio.wait_for(screen.painted.wait(), 5)
        await pilot.pause()
        script = str(screen.query_one("#offer-script", Static).render())
    ((header, height, holdings, offers),) = first
    assert "Loading" not in header and height > 1
    assert holdings > 0 and offers == len(preloaded.offers or [])
    assert "Looking for offers" not in script
